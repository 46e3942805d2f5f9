import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRequest, CreateResponse, GetDataRequest, GetDataResponse, decode, encode } from "@zkts/jute";
import { afterAll, describe, expect, it } from "vitest";
import { spawnServer as spawnIn, waitForLine } from "./process-helpers.js";
import { RawSession, fourLetter } from "./test-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "zkts-server-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));




describe("zkts-server process", () => {
  it("serves ruok and create/get, then exits 0 on SIGTERM", async () => {
    const p = spawnIn(dir, `tickTime=2000\ndataDir=${join(dir, "data")}\nclientPort=0\n4lw.commands.whitelist=*\nmystery.key=1\nadmin.serverPort=0\nadmin.serverAddress=127.0.0.1\n`);
    try {
      const started = await waitForLine(p, "zkts-server started");
      const port = started.port as number;
      expect(port).toBeGreaterThan(0);
      expect(p.lines.some((l) => l.level === "warn" && String(l.msg).includes("unknown key mystery.key"))).toBe(true);

      expect(await fourLetter(port, "ruok")).toBe("imok");
      expect(await fourLetter(port, "srvr")).toMatch(/^Zookeeper version: .*\nLatency min\/avg\/max: \d+\/[\d.]+\/\d+\n.*Mode: standalone\nNode count: \d+\n$/s);

      const { s, resp } = await RawSession.open(port);
      expect(resp.timeOut).toBe(10000);
      expect(resp.sessionId).not.toBe(0n);
      const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
      const created = await s.request(1, 1, encode(CreateRequest, { path: "/hello", data: Buffer.from("world"), acl, flags: 0 }));
      expect(created.header.err).toBe(0);
      expect(decode(CreateResponse, created.body).path).toBe("/hello");
      const got = await s.request(2, 4, encode(GetDataRequest, { path: "/hello", watch: false }));
      expect(got.header.err).toBe(0);
      const data = decode(GetDataResponse, got.body);
      expect(data.data?.toString()).toBe("world");
      expect(data.stat.czxid).toBe(created.header.zxid);

      const closed = new Promise<void>((resolve) => s.socket.on("close", () => resolve()));
      p.child.kill("SIGHUP"); // ignored
      expect(await fourLetter(port, "ruok")).toBe("imok");
      p.child.kill("SIGTERM");
      const exit = await p.exit;
      expect(exit).toEqual({ code: 0, signal: null });
      await closed; // the session's socket was closed by the server
      expect(p.lines.some((l) => l.msg === "zkts-server stopped")).toBe(true);
    } finally {
      if (p.child.exitCode === null) p.child.kill("SIGKILL");
    }
  });

  it("refuses an ensemble config without myid with a clear message and a non-zero exit", async () => {
    const p = spawnIn(dir, `dataDir=${join(dir, "d2")}\nclientPort=0\nadmin.serverPort=0\nadmin.serverAddress=127.0.0.1\nserver.1=a:2888:3888\nserver.2=b:2888:3888\n`);
    const exit = await p.exit;
    expect(exit.code).not.toBe(0);
    expect(p.stderr.join("")).toContain("myid file is missing");
  });

  it("reports invalid configuration with file and line, exit 2", async () => {
    const p = spawnIn(dir, `dataDir=${join(dir, "d3")}\ntickTime=abc\n`);
    const exit = await p.exit;
    expect(exit.code).toBe(2);
    expect(p.stderr.join("")).toMatch(/zoo-\w+\.cfg:2: tickTime must be a positive integer, got "abc"/);
  });
});
