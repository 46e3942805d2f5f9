import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRequest, GetDataRequest, encode } from "@zkts/jute";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { runStandalone } from "./run.js";
import { RawSession, fourLetter } from "./test-helpers.js";
import { PassThrough } from "node:stream";

const dir = mkdtempSync(join(tmpdir(), "zkts-run-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runStandalone: real core behind nio-cnxn", () => {
  it("four-letter words see the core's sessions, watches and config", async () => {
    const cfg = parseConfig(`dataDir=${dir}\nclientPort=0\n4lw.commands.whitelist=*\n`);
    const server = await runStandalone(cfg, { logger: createLogger({ level: "error", stream: new PassThrough() }) });
    try {
      const { s, resp } = await RawSession.open(server.port);
      const sid = resp.sessionId;
      const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
      expect((await s.request(1, 1, encode(CreateRequest, { path: "/a", data: Buffer.from("x"), acl, flags: 0 }))).header.err).toBe(0);
      expect((await s.request(2, 1, encode(CreateRequest, { path: "/e", data: Buffer.alloc(0), acl, flags: 1 }))).header.err).toBe(0);
      expect((await s.request(3, 4, encode(GetDataRequest, { path: "/a", watch: true }))).header.err).toBe(0);

      const hexSid = sid.toString(16);
      const cons = await fourLetter(server.port, "cons");
      expect(cons).toMatch(new RegExp(`^ /127\\.0\\.0\\.1:\\d+\\[1\\]\\(queued=0,recved=4,sent=4,sid=0x${hexSid},lop=GETD,est=\\d+,to=10000,lcxid=0x3,lzxid=0x\\w+,lresp=\\d+,llat=\\d+,minlat=\\d+,avglat=\\d+,maxlat=\\d+\\)$`, "m"));
      expect(await fourLetter(server.port, "wchc")).toBe(`0x${hexSid}\n\t/a\n\n`);
      expect(await fourLetter(server.port, "wchp")).toBe(`/a\n\t0x${hexSid}\n\n`);
      expect(await fourLetter(server.port, "wchs")).toBe("1 connections watching 1 paths\nTotal watches:1\n");
      const dump = await fourLetter(server.port, "dump");
      expect(dump).toContain(`Sessions with Ephemerals (1):\n0x${hexSid}:\n\t/e\n`);
      const conf = await fourLetter(server.port, "conf");
      expect(conf).toContain(`clientPort=${server.port}\n`);
      expect(conf).toContain("maxSessionTimeout=40000\n");
      const mntr = new Map((await fourLetter(server.port, "mntr")).trimEnd().split("\n").map((l) => l.split("\t") as [string, string]));
      expect(mntr.get("zk_server_state")).toBe("standalone");
      expect(mntr.get("zk_ephemerals_count")).toBe("1");
      expect(mntr.get("zk_global_sessions")).toBe("1");
      expect(mntr.get("zk_watch_count")).toBe("1");
      const srvr = await fourLetter(server.port, "srvr");
      // 6 znodes (/, /zookeeper, its quota and config, /a, /e); ZooKeeper counts the root twice, so 7.
      expect(srvr).toMatch(/\nConnections: 2\nOutstanding: 0\nZxid: 0x3\nMode: standalone\nNode count: 7\n$/);
      const closed = new Promise<void>((r) => s.socket.on("close", () => r()));
      await server.shutdown();
      await closed;
    } finally {
      await server.shutdown();
    }
  });

  it("garbage from many clients never takes the server down", async () => {
    const cfg = parseConfig(`dataDir=${dir}\nclientPort=0\n4lw.commands.whitelist=ruok\njute.maxbuffer=4096\n`);
    const server = await runStandalone(cfg, { logger: createLogger({ level: "error", stream: new PassThrough() }) });
    // deterministic pseudo-random bytes (xorshift32)
    let x = 0x9e3779b9;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
    const { connect } = await import("node:net");
    try {
      for (let round = 0; round < 40; round++) {
        const sock = connect({ port: server.port, host: "127.0.0.1" });
        sock.on("error", () => {});
        await new Promise<void>((r) => sock.once("connect", () => r()));
        // a plausible frame header with a random body, or raw noise
        if (round % 2 === 0) {
          const body = bytes(Math.floor(rnd() * 200));
          const h = Buffer.alloc(4);
          h.writeInt32BE(body.length);
          sock.write(Buffer.concat([h, body]));
          const h2 = Buffer.alloc(4);
          const body2 = bytes(Math.floor(rnd() * 64));
          h2.writeInt32BE(body2.length);
          sock.write(Buffer.concat([h2, body2]));
        } else {
          sock.write(bytes(1 + Math.floor(rnd() * 300)));
        }
        await new Promise((r) => setTimeout(r, 5));
        sock.destroy();
      }
      expect(await fourLetter(server.port, "ruok")).toBe("imok");
      const { resp } = await RawSession.open(server.port);
      expect(resp.sessionId).not.toBe(0n);
    } finally {
      await server.shutdown();
    }
  });

  it("refuses ensembles (they run through runEnsemble)", async () => {
    // Two participants are an ensemble; one server line with standaloneEnabled (the default) is not: ZooKeeper runs
    // that standalone (QuorumPeerConfig.isDistributed), see tests/docker.
    const cfg = parseConfig(`dataDir=${dir}\nclientPort=0\nserver.1=a:1:2\nserver.2=b:1:2\n`);
    await expect(runStandalone(cfg, { logger: createLogger({ stream: new PassThrough() }) })).rejects.toThrow(/runEnsemble/);
    const one = parseConfig(`dataDir=${dir}\nclientPort=0\nstandaloneEnabled=false\nserver.1=a:1:2\n`);
    await expect(runStandalone(one, { logger: createLogger({ stream: new PassThrough() }) })).rejects.toThrow(/runEnsemble/);
  });
});
