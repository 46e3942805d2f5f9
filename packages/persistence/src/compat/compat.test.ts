import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { decodeTxn, type DecodedTxn } from "../txn.js";
import { NodeStorage } from "../node-storage.js";
import { TxnLog } from "../txnlog.js";
import { readTxnLog, type LogEnd, type LogEntry } from "../txnlog-reader.js";
import { mixedTxns } from "../test-helpers.js";
import { makeReferenceLog } from "./reference-log.js";
import { CreateTxn, SetDataTxn, decode } from "@zkts/jute";

const JAR = "/usr/share/java/zookeeper.jar";
const javaAvailable = existsSync(JAR) && existsSync("/usr/bin/java");
const kazooAvailable = (() => {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import kazoo"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/zookeeper-3.8.0");

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "zkts-compat-"));
  tmp.push(d);
  return d;
}

async function readAll(dir: string): Promise<{ entries: LogEntry[]; decoded: DecodedTxn[]; end: LogEnd }> {
  const r = readTxnLog(new NodeStorage(), dir);
  const entries: LogEntry[] = [];
  for await (const e of r) entries.push(e);
  return { entries, decoded: entries.map((e) => decodeTxn(e.payload)), end: r.end! };
}

function toolkit(file: string): string {
  return execFileSync(
    "/usr/bin/java",
    ["-cp", JAR, "org.apache.zookeeper.server.persistence.TxnLogToolkit", "-d", file],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 },
  );
}

/** The kazoo session of reference-log.ts, as read back from Apache ZooKeeper's log. */
function checkReferenceSession(decoded: DecodedTxn[], end: LogEnd): void {
  expect(decoded.map((d) => d.header.type)).toEqual([-10, 1, 1, 5, 14, -1, 2, -11]);
  expect(decoded.map((d) => d.header.zxid)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
  const [cs, c1, c2, sd, multi, err, del, close] = decoded.map((d) => d.txn as any);
  expect(cs).toEqual({ timeOut: 10000 });
  expect(c1).toMatchObject({ path: "/zkts", data: Buffer.from("hello"), ephemeral: false, parentCVersion: 1 });
  expect(c1.acl).toEqual([{ perms: 31, id: { scheme: "world", id: "anyone" } }]);
  expect(c2).toMatchObject({ path: "/zkts/e-0000000000", ephemeral: true });
  expect(sd).toEqual({ path: "/zkts", data: Buffer.from("world"), version: 1 });
  expect(multi.txns.map((t: { type: number }) => t.type)).toEqual([1, 5]);
  expect(decode(CreateTxn, multi.txns[0].data).path).toBe("/zkts/m");
  expect(decode(SetDataTxn, multi.txns[1].data)).toEqual({ path: "/zkts", data: Buffer.from("again"), version: 2 });
  expect(err).toEqual({ err: -110 });
  expect(del).toEqual({ path: "/zkts/m" });
  expect(close).toEqual({ paths2Delete: ["/zkts/e-0000000000"] });
  // digests are on by default in 3.8 (ErrorTxns carry none)
  expect(decoded.filter((d) => d.digest !== null).length).toBe(7);
  expect(decoded[5]!.digest).toBeNull();
  expect(end.reason).toBe("preallocated");
  // all in one session
  expect(new Set(decoded.map((d) => d.header.clientId)).size).toBe(1);
}

describe("reading logs written by Apache ZooKeeper 3.8", () => {
  it("reads the committed fixture log", async () => {
    const { decoded, end } = await readAll(FIXTURE);
    checkReferenceSession(decoded, end);
  });

  it("rewrites the fixture's txns byte for byte identical to ZooKeeper's file", async () => {
    const { entries } = await readAll(FIXTURE);
    const dir = tempDir();
    const log = await TxnLog.open(new NodeStorage(), dir, { preAllocSize: 16 * 1024 });
    for (const e of entries) await log.append(e.payload);
    await log.close();
    const ours = readFileSync(join(dir, "version-2/log.1"));
    const theirs = readFileSync(join(FIXTURE, "version-2/log.1"));
    expect(ours.length).toBe(theirs.length);
    expect(ours.equals(theirs)).toBe(true);
  });

  it.skipIf(!javaAvailable || !kazooAvailable)(
    "reads a log the running reference server just wrote (kazoo session)",
    async () => {
      const dir = tempDir();
      const names = await makeReferenceLog(dir);
      expect(names).toEqual(["log.1"]);
      const { decoded, end } = await readAll(dir);
      checkReferenceSession(decoded, end);
    },
    120_000,
  );
});

describe.skipIf(!javaAvailable)("Apache ZooKeeper's TxnLogToolkit reads zkts logs", () => {
  for (const digest of [true, false]) {
    it(`every txn type, ${digest ? "with" : "without"} digests, 64 MiB preallocation, rolled files`, async () => {
      const dir = tempDir();
      const log = await TxnLog.open(new NodeStorage(), dir);
      const first = mixedTxns(0x500000001n, digest);
      const second = mixedTxns(0x500000008n, digest);
      await Promise.all(first.map((t) => log.append(t)));
      await log.roll();
      await Promise.all(second.map((t) => log.append(t)));
      await log.close();
      for (const [name, zx] of [
        ["log.500000001", 0x500000001n],
        ["log.500000008", 0x500000008n],
      ] as const) {
        const out = toolkit(join(dir, "version-2", name));
        expect(out).toContain("ZooKeeper Transactional Log File with dbid 0 txnlog format version 2");
        expect(out).not.toContain("CRC ERROR");
        expect(out).not.toContain("partial");
        expect(out).toContain("EOF reached after 7 txns.");
        const kinds = ["createSession 30000", "create /a,", "setData /a,", "multi ", "error -101", "delete '/a/b", "closeSession v{'/a/b}"];
        kinds.forEach((k, i) => {
          const line = out.split("\n").find((l) => l.includes(`zxid 0x${(zx + BigInt(i)).toString(16)} `));
          expect(line, `txn ${i} in ${name}`).toContain(k);
        });
      }
    }, 120_000);
  }
});
