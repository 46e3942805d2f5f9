import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { zeroStatPersisted, type StatPersisted } from "@zkts/jute";
import { afterAll, describe, expect, it } from "vitest";
import { SnapshotCorruptionError } from "./errors.js";
import {
  DEFAULT_ZK_STREAM_LIMITS,
  ZkSnapStreamDecoder,
  parseZkSnapStream,
  serializeZkSnapStream,
  type ZkSnapshotBody,
  type ZkSnapshotBodySource,
} from "./zk-snapshot-stream.js";
import { parseZkSnapshot, serializeZkSnapshot } from "./zk-snapshot.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/** Written by Apache ZooKeeper 3.8.0's SerializeUtils.serializeSnapshot + "BenWasHere" (compat/SnapStream.java write). */
const VECTOR = join(HERE, "../fixtures/zookeeper-3.8.0/snap-stream.bin");

function stat(z: bigint, extra: Partial<StatPersisted> = {}): StatPersisted {
  return { ...zeroStatPersisted(), czxid: z, mzxid: z, pzxid: z, ctime: 1000n + z, mtime: 1000n + z, ...extra };
}

function sample(): ZkSnapshotBodySource {
  return {
    sessions: [
      { id: 0x1234n, timeout: 30000 },
      { id: -2n, timeout: 4000 },
    ],
    acls: [
      { ref: 1n, acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }] },
      {
        ref: 2n,
        acl: [
          { perms: 31, id: { scheme: "digest", id: "bob:Xo8lJ2bUmPSdHU+kfrJVWBHx2e0=" } },
          { perms: 1, id: { scheme: "world", id: "anyone" } },
        ],
      },
    ],
    nodes: [
      { path: "", data: Buffer.alloc(0), aclRef: 1n, stat: stat(0n, { cversion: 2 }) },
      { path: "/app", data: Buffer.from("hello"), aclRef: 1n, stat: stat(5n) },
      { path: "/app/secret", data: Buffer.from([0, 1, 2, 255]), aclRef: 2n, stat: stat(6n) },
      { path: "/app/eph", data: null, aclRef: 1n, stat: stat(7n, { ephemeralOwner: 0x1234n }) },
      { path: "/big", data: Buffer.alloc(70_000, 7), aclRef: 1n, stat: stat(8n) },
    ],
  };
}

function expectSample(b: ZkSnapshotBody): void {
  const src = sample();
  expect(b.sessions).toEqual(src.sessions);
  expect(b.acls).toEqual(src.acls);
  const want = [...src.nodes];
  // data compared with Buffer.equals (a deep equal of large buffers is slow)
  expect(b.nodes.map((n) => ({ ...n, data: null }))).toEqual(want.map((n) => ({ ...n, data: null })));
  b.nodes.forEach((n, i) => expect(n.data === null ? want[i]!.data === null : want[i]!.data !== null && n.data.equals(want[i]!.data)).toBe(true));
}

function corruption(f: () => unknown): SnapshotCorruptionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SnapshotCorruptionError);
    return e as SnapshotCorruptionError;
  }
  throw new Error("no error thrown");
}

describe("ZooKeeper's learner snapshot stream (after SNAP)", () => {
  const bytes = serializeZkSnapStream(sample());

  it("round trips sessions, the ACL cache and nodes (null, empty and large data) and ends with BenWasHere", () => {
    expect(bytes.subarray(bytes.length - 14).equals(Buffer.concat([Buffer.from([0, 0, 0, 10]), Buffer.from("BenWasHere")]))).toBe(true);
    expectSample(parseZkSnapStream(bytes));
  });

  it("is the body of the snapshot file format (same codec, between the file header and the seal)", () => {
    const file = serializeZkSnapshot({ zxid: 8n, ...sample() });
    // FileHeader is 16 bytes; the body ends with the "/" sentinel, before the seal
    const body = bytes.subarray(0, bytes.length - 14);
    expect(file.subarray(16, 16 + body.length).equals(body)).toBe(true);
    expectSample(parseZkSnapshot(file, "f", 8n));
  });

  it("resumes at every split point, and returns the bytes after the stream", () => {
    const after = Buffer.from([0, 0, 0, 17, 9, 9]);
    const whole = Buffer.concat([bytes, after]);
    for (let k = 0; k <= whole.length; k += k < 300 || k > bytes.length - 300 ? 1 : 997) {
      const d = new ZkSnapStreamDecoder();
      const first = d.push(whole.subarray(0, k));
      const r = first ?? d.push(whole.subarray(k));
      expect(r, `split at ${k}`).toBeDefined();
      expect(r!.bytes.equals(bytes)).toBe(true);
      if (first === undefined) expect(r!.rest.equals(after)).toBe(true);
      else expect(Buffer.concat([r!.rest, whole.subarray(k)]).equals(after)).toBe(true);
      expect(r!.snapshot.nodes.length).toBe(5);
    }
  });

  it("decodes chunk by chunk one byte at a time", () => {
    const d = new ZkSnapStreamDecoder();
    let r: ReturnType<ZkSnapStreamDecoder["push"]>;
    let early = 0;
    for (let i = 0; i < bytes.length; i++) {
      r = d.push(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1 && r !== undefined) early++;
    }
    expect(early).toBe(0);
    expect(r!.rest.length).toBe(0);
    expectSample(r!.snapshot);
    expect(d.position).toBe(bytes.length);
  });

  it("rejects a wrong signature, negative counts, over-long fields, a missing parent path prefix and trailing bytes", () => {
    const badSig = Buffer.from(bytes);
    badSig.write("BenWasHerX", bytes.length - 10);
    expect(corruption(() => parseZkSnapStream(badSig)).message).toMatch(/missing signature/);
    const negSessions = Buffer.from(bytes);
    negSessions.writeInt32BE(-5, 0);
    expect(corruption(() => parseZkSnapStream(negSessions)).message).toMatch(/bad session count -5/);
    expect(corruption(() => parseZkSnapStream(bytes, { maxBuffer: 1000, maxTotal: 1 << 30 })).message).toMatch(/bad data length 70000/);
    expect(corruption(() => parseZkSnapStream(Buffer.concat([bytes, Buffer.from([1])]))).message).toMatch(/1 bytes after the signature/);
    expect(corruption(() => parseZkSnapStream(bytes.subarray(0, 100))).message).toMatch(/too short/);
    const noSlash = serializeZkSnapStream({ ...sample(), nodes: [{ path: "x", data: null, aclRef: 1n, stat: stat(1n) }] });
    expect(corruption(() => parseZkSnapStream(noSlash)).message).toMatch(/bad path/);
  });

  it("the incremental decoder fails on garbage with the offset, and on a stream over the total cap", () => {
    const d = new ZkSnapStreamDecoder();
    const e = corruption(() => d.push(Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0x00])));
    expect(e.message).toMatch(/bad ACL cache count/);
    expect(e.offset).toBe(8);
    const capped = new ZkSnapStreamDecoder({ ...DEFAULT_ZK_STREAM_LIMITS, maxTotal: 1000 });
    expect(corruption(() => capped.push(bytes)).message).toMatch(/larger than 1000 bytes/);
    // text where a snapshot should be: a session count far over the cap
    expect(corruption(() => new ZkSnapStreamDecoder().push(Buffer.from("GET / HTTP/1.1\r\n\r\n"))).message).toMatch(/bad session count/);
  });

  it("reads the stream Apache ZooKeeper 3.8 wrote (fixture)", () => {
    const b = parseZkSnapStream(readFileSync(VECTOR));
    expect(b.sessions).toEqual([
      { id: 0x1234n, timeout: 30000 },
      { id: -2n, timeout: 4000 },
    ]);
    const byPath = new Map(b.nodes.map((n) => [n.path, n]));
    expect(b.nodes[0]!.path).toBe("");
    expect([...byPath.keys()].sort()).toEqual(["", "/app", "/app/eph", "/app/secret", "/empty", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"]);
    expect(byPath.get("/app")!.data).toEqual(Buffer.from("hello"));
    expect(byPath.get("/app/eph")!.data).toBeNull();
    expect(byPath.get("/app/eph")!.stat.ephemeralOwner).toBe(0x1234n);
    expect(byPath.get("/empty")!.data).toEqual(Buffer.alloc(0));
    const secret = byPath.get("/app/secret")!;
    expect(secret.data).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(b.acls.find((a) => a.ref === secret.aclRef)!.acl).toEqual([
      { perms: 31, id: { scheme: "digest", id: "bob:Xo8lJ2bUmPSdHU+kfrJVWBHx2e0=" } },
      { perms: 1, id: { scheme: "world", id: "anyone" } },
    ]);
    // and the same bytes back from our writer (ZooKeeper's order kept)
    expect(serializeZkSnapStream(b).equals(readFileSync(VECTOR))).toBe(true);
  });
});

const JARS = ["zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-nop.jar"].map((j) => `/usr/share/java/${j}`);
const javaAvailable = existsSync("/usr/bin/javac") && JARS.every((j) => existsSync(j));

describe.skipIf(!javaAvailable)("against Apache ZooKeeper 3.8's SerializeUtils (javac'd helper)", () => {
  const dir = mkdtempSync(join(tmpdir(), "zkts-snapstream-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cp = [dir, ...JARS].join(":");
  const run = (...args: string[]) =>
    execFileSync("/usr/bin/java", ["-cp", cp, "SnapStream", ...args], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });

  it("ZooKeeper writes what we read, and reads what we write", { timeout: 120_000 }, () => {
    execFileSync("/usr/bin/javac", ["-d", dir, "-cp", cp, join(HERE, "compat/SnapStream.java")], { timeout: 90_000, stdio: "ignore" });
    const written = join(dir, "java.bin");
    run("write", written);
    const javaBytes = readFileSync(written);
    expect(javaBytes.equals(readFileSync(VECTOR))).toBe(true);
    const d = new ZkSnapStreamDecoder();
    const r = d.push(javaBytes);
    expect(r?.rest.length).toBe(0);

    const ours = join(dir, "ours.bin");
    writeFileSync(ours, serializeZkSnapStream(sample()));
    const lines = run("read", ours).trim().split("\n");
    expect(lines).toEqual([
      "session -2 4000",
      "session 4660 30000",
      "node /  31:world:anyone, 0 0 0 2 0",
      "node /app 68656c6c6f 31:world:anyone, 5 5 5 0 0",
      "node /app/eph null 31:world:anyone, 7 7 7 0 4660",
      "node /app/secret 000102ff 31:digest:bob:Xo8lJ2bUmPSdHU+kfrJVWBHx2e0=,1:world:anyone, 6 6 6 0 0",
      `node /big ${"07".repeat(70_000)} 31:world:anyone, 8 8 8 0 0`,
    ]);
    // a damaged signature is refused by ZooKeeper as by us
    const bad = serializeZkSnapStream(sample());
    bad.write("X", bad.length - 1);
    writeFileSync(ours, bad);
    expect(() => run("read", ours)).toThrow(/Missing signature/);
  });
});
