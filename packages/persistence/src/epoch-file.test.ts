import { describe, expect, it } from "vitest";
import { seededRandom } from "@zkts/contracts/testing";
import { EpochFileError, readLongFile, writeLongFile } from "./epoch-file.js";
import { MemoryStorage } from "./memory-storage.js";
import type { Storage, StorageFile } from "./storage.js";

const PATH = "/data/acceptedEpoch";

class Crashed extends Error {}

/** A Storage over `mem` that simulates a power loss just before its `at`-th operation (file ops included). */
function crashingAt(mem: MemoryStorage, at: number, torn?: () => number): { storage: Storage; ops: () => number } {
  let n = 0;
  const step = () => {
    if (n++ === at) {
      mem.crash(torn ? { torn: { next: torn } } : {});
      throw new Crashed(`crash before operation ${at}`);
    }
  };
  const wrapFile = (f: StorageFile): StorageFile => ({
    path: f.path,
    read: (p, l) => (step(), f.read(p, l)),
    write: (d, p) => (step(), f.write(d, p)),
    size: () => (step(), f.size()),
    truncate: (l) => (step(), f.truncate(l)),
    datasync: () => (step(), f.datasync()),
    close: () => (step(), f.close()),
  });
  const storage: Storage = {
    mkdirp: (d) => (step(), mem.mkdirp(d)),
    list: (d) => (step(), mem.list(d)),
    open: async (p, m) => (step(), wrapFile(await mem.open(p, m))),
    size: (p) => (step(), mem.size(p)),
    rename: (a, b) => (step(), mem.rename(a, b)),
    remove: (p) => (step(), mem.remove(p)),
    syncDir: (d) => (step(), mem.syncDir(d)),
  };
  return { storage, ops: () => n };
}

async function freshWith(value: bigint): Promise<MemoryStorage> {
  const mem = new MemoryStorage();
  await mem.mkdirp("/data");
  await writeLongFile(mem, PATH, value);
  return mem;
}

describe("epoch files (QuorumPeer.readLongFromFile / writeLongToFile)", () => {
  it("reads what was written; absent is undefined; garbage is an error", async () => {
    const mem = new MemoryStorage();
    await mem.mkdirp("/data");
    expect(await readLongFile(mem, PATH)).toBeUndefined();
    await writeLongFile(mem, PATH, 12n);
    expect(mem.peek(PATH)?.toString()).toBe("12\n");
    expect(await readLongFile(mem, PATH)).toBe(12n);
    await writeLongFile(mem, PATH, 2n ** 40n);
    expect(await readLongFile(mem, PATH)).toBe(2n ** 40n);
    expect(await mem.list("/data")).toEqual(["acceptedEpoch"]);
    mem.poke(PATH, Buffer.from("x1\n"));
    await expect(readLongFile(mem, PATH)).rejects.toBeInstanceOf(EpochFileError);
  });

  it("is durable once written: a crash right after keeps the new value", async () => {
    const mem = await freshWith(3n);
    await writeLongFile(mem, PATH, 4n);
    mem.crash();
    expect(await readLongFile(mem, PATH)).toBe(4n);
  });

  it("a crash before any operation of a write, clean or torn, leaves the old value or the new one, never another", async () => {
    // how many operations a write takes
    const probe = crashingAt(await freshWith(5n), Number.MAX_SAFE_INTEGER);
    await writeLongFile(probe.storage, PATH, 77n);
    const total = probe.ops();
    expect(total).toBeGreaterThanOrEqual(5); // open, write, datasync, close, rename, syncDir
    let sawOld = 0;
    let sawNew = 0;
    for (let at = 0; at <= total; at++) {
      for (const seed of [0, 1, 2, 3, 4, 5, 6, 7]) {
        const mem = await freshWith(5n);
        const rnd = seededRandom(seed + at * 100);
        const { storage } = crashingAt(mem, at, seed === 0 ? undefined : () => rnd.next());
        let completed = false;
        try {
          await writeLongFile(storage, PATH, 77n);
          completed = true;
        } catch (e) {
          if (!(e instanceof Crashed)) throw e;
        }
        if (completed) mem.crash(seed === 0 ? {} : { torn: rnd });
        const v = await readLongFile(mem, PATH);
        if (completed) expect(v).toBe(77n);
        else expect([5n, 77n]).toContain(v);
        if (v === 5n) sawOld++;
        else sawNew++;
        // the next write works over whatever temp file the crash left
        await writeLongFile(mem, PATH, 78n);
        mem.crash({ torn: rnd });
        expect(await readLongFile(mem, PATH)).toBe(78n);
      }
    }
    // both outcomes occur across the crash points (the test can tell them apart)
    expect(sawOld).toBeGreaterThan(0);
    expect(sawNew).toBeGreaterThan(0);
  });

  it("a torn temp file left on disk is ignored on restart", async () => {
    const mem = await freshWith(9n);
    mem.poke(`${PATH}.tmp`, Buffer.from("1")); // a prefix of "10\n"
    expect(await readLongFile(mem, PATH)).toBe(9n);
    mem.poke(`${PATH}.tmp`, Buffer.alloc(0));
    expect(await readLongFile(mem, PATH)).toBe(9n);
  });

  it("a failed write leaves the old value and rejects (ZAB does not act on it)", async () => {
    const mem = await freshWith(5n);
    mem.inject({ op: "datasync", code: "EIO", path: "acceptedEpoch.tmp", times: 1 });
    await expect(writeLongFile(mem, PATH, 6n)).rejects.toMatchObject({ code: "EIO" });
    mem.crash();
    expect(await readLongFile(mem, PATH)).toBe(5n);
    mem.inject({ op: "syncDir", code: "EIO", times: 1 });
    await expect(writeLongFile(mem, PATH, 6n)).rejects.toMatchObject({ code: "EIO" });
  });
});
