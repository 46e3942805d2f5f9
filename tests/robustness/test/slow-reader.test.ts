/**
 * Case 4: a client that never reads its responses but keeps sending getData on a node with 500 KB of data.
 * Apache ZooKeeper 3.8 keeps the connection open, stops reading from it once its output backs up (the client's own
 * writes then back up), and its memory stays flat (RSS ~250 MB with -Xmx512m, however much the client sends).
 * zkts must do the same or close the connection, and keep serving every other session.
 */
import { readFileSync } from "node:fs";
import { EventType, OpCode } from "@zkts/client-wire";
import { frame } from "@zkts/jute";
import { fourLetter, referenceAvailable, startReferenceZooKeeper, startZkts } from "@zkts/testkit";
import { describe, expect, it } from "vitest";
import { HealthySession, RawConnection, req } from "../src/wire.js";

const BIG = 500_000;

function rssMiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Result {
  closed: boolean;
  requestsWritten: number;
  clientBacklog: number;
  peakRssMiB: number;
  baseRssMiB: number;
}

/**
 * Opens a healthy session (with a data watch), creates /big, then a slow connection that pauses reading and writes
 * getData requests `perWrite` at a time until the server closes it, its own writes back up past 1 MiB, or 15 s pass.
 * Checks the healthy session before returning.
 */
async function slowReader(port: number, pid: number, perWrite: number): Promise<Result> {
  const healthy = await HealthySession.open(port);
  const other = await HealthySession.open(port);
  const slow = await RawConnection.open(port);
  try {
    expect((await healthy.create("/big", Buffer.alloc(BIG, 7))).err).toBe(0);
    expect((await healthy.create("/watched", Buffer.from("0"))).err).toBe(0);
    expect((await healthy.getData("/watched", true)).err).toBe(0);
    await slow.handshake();
    slow.socket.pause(); // never read again
    const baseRssMiB = rssMiB(pid, "VmRSS");
    let peak = baseRssMiB;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid, "VmRSS"))), 25);
    const get = frame(req(1, OpCode.getData, { path: "/big", watch: false }));
    const burst = Buffer.concat(Array.from({ length: perWrite }, () => get));
    let written = 0;
    const started = Date.now();
    try {
      while (!slow.closed && slow.socket.writableLength < 2 ** 20 && Date.now() - started < 15_000) {
        slow.socket.write(burst);
        written += perWrite;
        await new Promise((r) => setTimeout(r, 1));
      }
      // meanwhile and afterwards, other sessions are served
      const got = await healthy.getData("/big");
      expect(got.err).toBe(0);
      expect(got.data?.length).toBe(BIG);
      expect((await other.setData("/watched", Buffer.from("1"))).err).toBe(0);
      await healthy.waitForNotification("/watched", EventType.NodeDataChanged);
      expect((await other.create("/after-slow")).err).toBe(0);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssMiB(pid, "VmRSS"));
    return { closed: slow.closed, requestsWritten: written, clientBacklog: slow.socket.writableLength, peakRssMiB: peak, baseRssMiB };
  } finally {
    await slow.destroy();
    await healthy.close();
    await other.close();
  }
}

describe("4. a client that never reads its responses", () => {
  it("zkts stops reading from it (or closes it) and keeps serving the other sessions", { timeout: 60_000 }, async () => {
    const zk = await startZkts({ config: { forceSync: "no" } });
    try {
      const r = await slowReader(zk.port, zk.process.pid!, 200);
      console.log(`zkts slow reader (200 per write): ${JSON.stringify(r)}`);
      // bounded input: either closed, or the server stopped reading and the client's writes backed up
      expect(r.closed || r.clientBacklog > 0).toBe(true);
      expect(r.peakRssMiB - r.baseRssMiB).toBeLessThan(256);
      expect(zk.process.exitCode).toBeNull();
      expect(await fourLetter(zk.port, "ruok")).toBe("imok");
    } finally {
      await zk.stop();
    }
  });

  it(
    "zkts bounds the memory of a connection that pipelines many requests in one write (2000 getData of 500 KB per write)",
    { timeout: 60_000 },
    async () => {
      // before the fix in nio-cnxn (frames of a read chunk deferred while the output is backed up), the answers to
      // a whole read chunk were queued before the first flush: +1.9 GB peak RSS for this one connection
      const zk = await startZkts({ config: { forceSync: "no" } });
      try {
        const r = await slowReader(zk.port, zk.process.pid!, 2000);
        console.log(`zkts slow reader (2000 per write): ${JSON.stringify(r)}`);
        expect(r.closed || r.clientBacklog > 0).toBe(true);
        expect(r.peakRssMiB - r.baseRssMiB).toBeLessThan(256);
      } finally {
        await zk.stop();
      }
    },
  );

  it.runIf(referenceAvailable())("Apache ZooKeeper 3.8: stops reading, stays open, memory flat", { timeout: 60_000 }, async () => {
    const ref = await startReferenceZooKeeper();
    try {
      const r = await slowReader(ref.port, ref.process.pid!, 2000);
      console.log(`ZooKeeper slow reader (2000 per write): ${JSON.stringify(r)}`);
      expect(r.closed).toBe(false);
      expect(r.clientBacklog).toBeGreaterThan(0);
      expect(r.peakRssMiB - r.baseRssMiB).toBeLessThan(256);
    } finally {
      await ref.stop();
    }
  });
});
