import { afterEach, describe, expect, it } from "vitest";
import { StorageError } from "./errors.js";
import { seededRandom } from "@zkts/contracts/testing";
import { MemoryStorage } from "./memory-storage.js";
import { joinPath, readWholeFile, type Storage } from "./storage.js";
import { storageCases } from "./test-helpers.js";

for (const sc of storageCases) {
  describe(`Storage compliance: ${sc.name}`, () => {
    let cleanup = () => {};
    afterEach(() => cleanup());
    const setup = async (): Promise<{ s: Storage; d: string }> => {
      const c = sc.make();
      cleanup = c.cleanup;
      const d = joinPath(c.dir, "sub/dir");
      await c.storage.mkdirp(d);
      await c.storage.mkdirp(d); // idempotent
      return { s: c.storage, d };
    };

    it("creates, writes at positions (zero-filling gaps), reads, sizes and truncates files", async () => {
      const { s, d } = await setup();
      const p = joinPath(d, "f");
      const f = await s.open(p, "create");
      await f.write(Buffer.from("hello"), 0);
      await f.write(Buffer.from("XY"), 8);
      expect(await f.size()).toBe(10);
      expect(await f.read(0, 100)).toEqual(Buffer.from("hello\0\0\0XY"));
      expect(await f.read(3, 4)).toEqual(Buffer.from("lo\0\0"));
      expect((await f.read(20, 4)).length).toBe(0);
      await f.truncate(4);
      expect(await f.size()).toBe(4);
      await f.truncate(6);
      expect(await f.read(0, 10)).toEqual(Buffer.from("hell\0\0"));
      await f.datasync();
      await f.close();
      expect(await s.size(p)).toBe(6);
      expect(await readWholeFile(s, p)).toEqual(Buffer.from("hell\0\0"));
    });

    it("writes a large view at a position in full; a write or sync on a closed file is a StorageError", async () => {
      const { s, d } = await setup();
      const p = joinPath(d, "big");
      const f = await s.open(p, "create");
      const backing = Buffer.alloc(3 * 1024 * 1024 + 7);
      for (let i = 0; i < backing.length; i++) backing[i] = (i * 31 + 7) & 0xff;
      const view = backing.subarray(5, backing.length - 1);
      await f.write(Buffer.alloc(0), 0);
      await f.write(view, 100);
      await f.datasync();
      expect(await f.size()).toBe(100 + view.length);
      expect((await f.read(100, view.length)).equals(view)).toBe(true);
      await f.close();
      await expect(f.write(Buffer.from("x"), 0)).rejects.toBeInstanceOf(StorageError);
      await expect(f.datasync()).rejects.toBeInstanceOf(StorageError);
    });

    it("append mode keeps content, create mode truncates", async () => {
      const { s, d } = await setup();
      const p = joinPath(d, "f");
      let f = await s.open(p, "create");
      await f.write(Buffer.from("abc"), 0);
      await f.close();
      f = await s.open(p, "append");
      expect(await f.size()).toBe(3);
      await f.write(Buffer.from("d"), 3);
      await f.close();
      expect(await readWholeFile(s, p)).toEqual(Buffer.from("abcd"));
      f = await s.open(p, "create");
      expect(await f.size()).toBe(0);
      await f.close();
    });

    it("lists, renames over an existing file, removes; missing files are typed errors", async () => {
      const { s, d } = await setup();
      for (const n of ["b", "a", "c"]) {
        const f = await s.open(joinPath(d, n), "create");
        await f.write(Buffer.from(n), 0);
        await f.close();
      }
      expect((await s.list(d)).sort()).toEqual(["a", "b", "c"]);
      await s.rename(joinPath(d, "a"), joinPath(d, "c"));
      await s.syncDir(d);
      expect((await s.list(d)).sort()).toEqual(["b", "c"]);
      expect(await readWholeFile(s, joinPath(d, "c"))).toEqual(Buffer.from("a"));
      await s.remove(joinPath(d, "b"));
      await s.remove(joinPath(d, "nothing"));
      expect(await s.list(d)).toEqual(["c"]);
      expect(await s.size(joinPath(d, "b"))).toBeUndefined();
      expect(await s.list(joinPath(d, "missing"))).toEqual([]);
      const err = await s.open(joinPath(d, "b"), "read").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe("ENOENT");
    });
  });
}

describe("MemoryStorage crash and fault simulation", () => {
  const file = async (s: MemoryStorage, p: string, data: string, sync: boolean) => {
    const f = await s.open(p, "create");
    await f.write(Buffer.from(data), 0);
    if (sync) await f.datasync();
    await f.close();
  };

  it("loses unsynced data and directory entries not covered by syncDir", async () => {
    const s = new MemoryStorage();
    await s.mkdirp("/d");
    await file(s, "/d/synced", "one", true);
    await s.syncDir("/d");
    await file(s, "/d/unsynced-entry", "two", true);
    const f = await s.open("/d/synced", "append");
    await f.write(Buffer.from("MORE"), 3);
    s.crash();
    expect(await s.list("/d")).toEqual(["synced"]);
    expect(s.peek("/d/synced")).toEqual(Buffer.from("one"));
    await expect(f.write(Buffer.from("x"), 0)).rejects.toBeInstanceOf(StorageError);
  });

  it("torn crashes keep a prefix of the unsynced bytes", async () => {
    const s = new MemoryStorage();
    await s.mkdirp("/d");
    await file(s, "/d/f", "durable|", true);
    await s.syncDir("/d");
    const seen = new Set<number>();
    const rnd = seededRandom(7);
    for (let i = 0; i < 30; i++) {
      const f = await s.open("/d/f", "append");
      await f.write(Buffer.from("0123456789"), 8);
      s.crash({ torn: rnd });
      const got = s.peek("/d/f")!.toString();
      expect("durable|0123456789".startsWith(got)).toBe(true);
      expect(got.length).toBeGreaterThanOrEqual(8);
      seen.add(got.length);
      // reset for the next round
      s.poke("/d/f", Buffer.from("durable|"));
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it("injects faults by operation, path, count and capacity", async () => {
    const s = new MemoryStorage({ capacity: 10 });
    await s.mkdirp("/d");
    s.inject({ op: "datasync", code: "EIO", path: "/d/x", times: 1 });
    const f = await s.open("/d/x", "create");
    await f.write(Buffer.from("12345"), 0);
    await expect(f.datasync()).rejects.toMatchObject({ code: "EIO", op: "datasync" });
    await f.datasync();
    await expect(f.write(Buffer.from("abcdefgh"), 5)).rejects.toMatchObject({ code: "ENOSPC" });
    expect(s.peek("/d/x")).toEqual(Buffer.from("12345abcde"));
    s.capacity = undefined;
    s.inject({ op: "write", code: "EIO", after: 1 });
    await f.write(Buffer.from("z"), 0);
    await expect(f.write(Buffer.from("z"), 0)).rejects.toMatchObject({ code: "EIO" });
    s.clearFaults();
    await f.write(Buffer.from("z"), 0);
    expect(s.ops.datasync).toBe(2);
  });
});
