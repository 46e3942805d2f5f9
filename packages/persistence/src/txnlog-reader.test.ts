import { describe, expect, it } from "vitest";
import { LogCorruptionError } from "./errors.js";
import { frameEntry, logFileHeader } from "./log-format.js";
import { MemoryStorage } from "./memory-storage.js";
import { setDataTxn } from "./test-helpers.js";
import { TxnLog } from "./txnlog.js";
import type { Storage, StorageFile } from "./storage.js";
import { readTxnLog, truncateTornTail, type LogEntry } from "./txnlog-reader.js";

const P = "/data/version-2/log.1";

async function build(n: number, preAlloc = 0): Promise<{ s: MemoryStorage; bytes: Buffer; offsets: number[] }> {
  const s = new MemoryStorage();
  const log = await TxnLog.open(s, "/data", { preAllocSize: preAlloc });
  for (let z = 1; z <= n; z++) await log.append(setDataTxn(BigInt(z), 50));
  await log.close();
  const bytes = s.peek(P)!;
  const offsets: number[] = [];
  for (let off = 16, k = 0; k < n; k++) {
    offsets.push(off);
    off += frameEntry(setDataTxn(BigInt(k + 1), 50)).length;
  }
  return { s, bytes, offsets };
}

async function read(s: MemoryStorage, acceptLoss = false) {
  const r = readTxnLog(s, "/data", { acceptLoss, chunkSize: 64 });
  const got: LogEntry[] = [];
  for await (const e of r) got.push(e);
  return { zxids: got.map((e) => e.zxid), end: r.end! };
}

describe("TxnLogReader: where the log ends", () => {
  it("exact end of file and zero-filled preallocation are clean ends", async () => {
    const a = await build(3);
    expect(await read(a.s)).toMatchObject({ zxids: [1n, 2n, 3n], end: { reason: "eof", lastZxid: 3n } });
    const b = await build(3, 4096);
    expect((b.bytes.length - 16) % 4096).toBe(0);
    expect(await read(b.s)).toMatchObject({ zxids: [1n, 2n, 3n], end: { reason: "preallocated", offset: b.offsets[2]! + frameEntry(setDataTxn(3n, 50)).length } });
  });

  const torn: Array<[string, (b: Buffer, last: number) => Buffer]> = [
    ["missing 'B'", (b) => b.subarray(0, b.length - 1)],
    ["'B' overwritten by zero (preallocated tail)", (b) => Buffer.concat([b.subarray(0, b.length - 1), Buffer.alloc(100)])],
    ["short payload", (b) => b.subarray(0, b.length - 20)],
    ["short entry header", (b, last) => b.subarray(0, last + 7)],
    ["bad checksum at the very end", (b, last) => {
      const c = Buffer.from(b);
      c[last + 40] = c[last + 40]! ^ 0x10;
      return c;
    }],
    ["partial zero-padded sector", (b, last) => Buffer.concat([b.subarray(0, last + 30), Buffer.alloc(4000)])],
  ];
  for (const [name, damage] of torn) {
    it(`a torn last entry (${name}) ends the log; truncateTornTail cuts it and the log continues`, async () => {
      const { s, bytes, offsets } = await build(4);
      s.poke(P, damage(bytes, offsets[3]!));
      const r = await read(s);
      expect(r.zxids).toEqual([1n, 2n, 3n]);
      expect(r.end).toMatchObject({ reason: "torn", file: P, offset: offsets[3], lastZxid: 3n });
      await truncateTornTail(s, "/data", r.end);
      expect(s.peek(P)!.length).toBe(offsets[3]);
      const log = await TxnLog.open(s, "/data", { preAllocSize: 4096, lastZxid: 3n });
      await log.append(setDataTxn(4n));
      await log.close();
      expect(await read(s)).toMatchObject({ zxids: [1n, 2n, 3n, 4n], end: { reason: "preallocated" } });
    });
  }

  it("a bad checksum followed by valid entries is corruption naming file and offset", async () => {
    const { s, bytes, offsets } = await build(5, 4096);
    const c = Buffer.from(bytes);
    c[offsets[2]! + 45] = c[offsets[2]! + 45]! ^ 1;
    s.poke(P, c);
    const err = await read(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogCorruptionError);
    expect(err).toMatchObject({ file: P, offset: offsets[2] });
    expect((err as Error).message).toContain(`log.1 is corrupt at offset ${offsets[2]}`);
    expect((err as Error).message).toContain(`valid entry follows at offset ${offsets[3]}`);
    // an explicit accept-loss read ends there; truncating discards the rest
    const r = await read(s, true);
    expect(r).toMatchObject({ zxids: [1n, 2n], end: { reason: "corrupt", offset: offsets[2] } });
    await truncateTornTail(s, "/data", r.end);
    expect((await read(s)).zxids).toEqual([1n, 2n]);
  });

  it("a zeroed length in the middle (data after it) is corruption too", async () => {
    const { s, bytes, offsets } = await build(5, 4096);
    const c = Buffer.from(bytes);
    c.fill(0, offsets[1]!, offsets[1]! + 12);
    s.poke(P, c);
    await expect(read(s)).rejects.toBeInstanceOf(LogCorruptionError);
  });

  /** `s` whose files also have readInto (as NodeStorage's), counting the bytes each of read and readInto returned. */
  function withReadInto(s: MemoryStorage): { storage: Storage; bytes: { read: number; readInto: number } } {
    const bytes = { read: 0, readInto: 0 };
    const storage: Storage = Object.create(s) as Storage;
    storage.open = async (path, mode) => {
      const f = await s.open(path, mode);
      const g: StorageFile = Object.create(f) as StorageFile;
      g.read = async (pos, len) => {
        const b = await f.read(pos, len);
        bytes.read += b.length;
        return b;
      };
      g.readInto = async (buf, pos) => {
        const b = await f.read(pos, buf.length);
        buf.set(b);
        bytes.readInto += b.length;
        return b.length;
      };
      return g;
    };
    return { storage, bytes };
  }

  it("the zero-filled tail of a large preallocated file is checked through readInto, not read into new buffers", async () => {
    const { s, offsets } = await build(3, 8 << 20);
    const { storage, bytes } = withReadInto(s);
    const r = readTxnLog(storage, "/data", {});
    const got: bigint[] = [];
    for await (const e of r) got.push(e.zxid);
    expect(got).toEqual([1n, 2n, 3n]);
    expect(r.end).toMatchObject({ reason: "preallocated", offset: offsets[2]! + frameEntry(setDataTxn(3n, 50)).length });
    // the entries through read (one 1 MiB chunk), the rest of the 8 MiB once through readInto
    expect(bytes.read).toBeLessThanOrEqual(1 << 20);
    expect(bytes.readInto).toBeGreaterThanOrEqual((8 << 20) - (1 << 20));
  });

  it("batches(): the iterator's entries and end, one batch per read, the entries before damage handed out first", async () => {
    const { s, bytes, offsets } = await build(5, 4096);
    const all = await read(s);
    const r = readTxnLog(s, "/data", { chunkSize: 64 });
    const got: bigint[][] = [];
    for await (const b of r.batches()) got.push(b.map((e) => e.zxid));
    expect(got.flat()).toEqual(all.zxids);
    expect(r.end).toEqual(all.end);
    const big = readTxnLog(s, "/data", {});
    const one: bigint[][] = [];
    for await (const b of big.batches()) one.push(b.map((e) => e.zxid));
    expect(one).toEqual([[1n, 2n, 3n, 4n, 5n]]);
    // a bad checksum in the 4th entry: the first three come out, then the error
    const c = Buffer.from(bytes);
    c[offsets[3]! + 45] = c[offsets[3]! + 45]! ^ 1;
    s.poke(P, c);
    const seen: bigint[] = [];
    const err = await (async () => {
      for await (const b of readTxnLog(s, "/data", {}).batches()) seen.push(...b.map((e) => e.zxid));
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogCorruptionError);
    expect(seen).toEqual([1n, 2n, 3n]);
  });

  it("a valid entry far after a zeroed stretch (past a zero-scan read) is still corruption, with or without readInto", async () => {
    const { s, bytes, offsets } = await build(5, 8 << 20);
    const c = Buffer.from(bytes);
    const moved = Buffer.from(c.subarray(offsets[3]!, offsets[4]!));
    c.fill(0, offsets[1]!, offsets[4]! + 200);
    const at = (4 << 20) + 16 + 5; // across the first 4 MiB zero-scan read, unaligned
    moved.copy(c, at);
    s.poke(P, c);
    for (const storage of [s, withReadInto(s).storage]) {
      const err = await (async () => {
        for await (const _ of readTxnLog(storage, "/data", {})) void _;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LogCorruptionError);
      expect((err as Error).message).toContain(`valid entry follows at offset ${at}`);
    }
  });

  it("a torn tail in an older file followed by files with txns is corruption; bad magic is corruption", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/data", { preAllocSize: 0 });
    await log.append(setDataTxn(1n));
    await log.append(setDataTxn(2n));
    await log.roll();
    await log.append(setDataTxn(3n));
    await log.close();
    const b = s.peek(P)!;
    s.poke(P, b.subarray(0, b.length - 1));
    await expect(read(s)).rejects.toMatchObject({ name: "LogCorruptionError", file: P });
    const r = await read(s, true);
    expect(r.end).toMatchObject({ reason: "corrupt", discardFiles: ["/data/version-2/log.3"] });
    await truncateTornTail(s, "/data", r.end);
    expect(await s.list("/data/version-2")).toEqual(["log.1"]);
    s.poke(P, Buffer.concat([Buffer.from("ZKSN"), b.subarray(4)]));
    await expect(read(s)).rejects.toMatchObject({ name: "LogCorruptionError", offset: 0 });
  });

  it("a last file whose header never made it to disk is a torn (empty) file", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/data", { preAllocSize: 0 });
    await log.append(setDataTxn(1n));
    await log.close();
    s.poke("/data/version-2/log.2", Buffer.alloc(0));
    s.poke("/data/version-2/log.3", logFileHeader().subarray(0, 9));
    const r = await read(s);
    expect(r.end).toMatchObject({ reason: "torn", offset: 0, file: "/data/version-2/log.2" });
    expect(r.end.discardFiles).toEqual(["/data/version-2/log.3"]);
    await truncateTornTail(s, "/data", r.end);
    expect(await s.list("/data/version-2")).toEqual(["log.1"]);
  });
});
