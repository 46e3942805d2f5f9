import type { Random } from "@zkts/contracts";
import { StorageError } from "./errors.js";
import { baseName, dirName, type Storage, type StorageFile } from "./storage.js";

type Op = "open" | "read" | "write" | "datasync" | "truncate" | "rename" | "remove" | "syncDir" | "list" | "mkdir";

interface Inode {
  /** What a reader sees now (the page cache). */
  cur: Buffer;
  curLen: number;
  /** What survives a crash: the content at the last successful datasync. */
  durable: Buffer;
}

interface Dir {
  cur: Map<string, Inode>;
  /** Entries as of the last syncDir: what survives a crash. */
  durable: Map<string, Inode>;
}

export interface Fault {
  op: Op;
  /** errno code the operation fails with, e.g. "ENOSPC", "EIO". */
  code: string;
  /** Only paths containing this string (or matching this RegExp). */
  path?: string | RegExp;
  /** How many operations fail before the fault clears itself (default: until clearFaults()). */
  times?: number;
  /** Let this many matching operations succeed first. */
  after?: number;
}

export interface CrashOptions {
  /**
   * Torn writes: for each file, a random prefix of the bytes written since its last datasync survives
   * (0..all of them, cut at any byte), instead of none. Takes a random source (e.g. `@zkts/contracts/testing`'s
   * `seededRandom(seed)`, so that a crash replays from its seed).
   */
  torn?: Pick<Random, "next">;
}

/**
 * In-memory Storage that distinguishes what was written from what is durable: `crash()` throws away every
 * byte not covered by a datasync and every directory change not covered by a syncDir (optionally keeping
 * torn prefixes of unsynced writes). Faults make chosen operations fail with an errno code; `capacity`
 * makes writes beyond that many bytes in total fail with ENOSPC after writing what fits.
 */
export class MemoryStorage implements Storage {
  private dirs = new Map<string, Dir>();
  private faults: Array<Fault & { seen: number; failed: number }> = [];
  private generation = 0;
  /** Total bytes the files may hold (sum of file sizes); undefined = unlimited. */
  capacity: number | undefined;
  /** Operation counters, e.g. `ops.datasync`. */
  readonly ops: Record<Op, number> = {
    open: 0,
    read: 0,
    write: 0,
    datasync: 0,
    truncate: 0,
    rename: 0,
    remove: 0,
    syncDir: 0,
    list: 0,
    mkdir: 0,
  };

  /** When true, every file operation first yields to the event loop (so a test can crash between operations). */
  yieldEachOp: boolean;

  constructor(opts: { capacity?: number; yieldEachOp?: boolean } = {}) {
    this.capacity = opts.capacity;
    this.yieldEachOp = opts.yieldEachOp ?? false;
  }

  /** Makes matching operations fail until cleared (or `times` failures). */
  inject(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0, failed: 0 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Simulates a power loss: only durable data and directory entries remain; open files become unusable. */
  crash(opts: CrashOptions = {}): void {
    this.generation++;
    const seen = new Set<Inode>();
    for (const d of this.dirs.values()) {
      for (const ino of [...d.cur.values(), ...d.durable.values()]) {
        if (seen.has(ino)) continue;
        seen.add(ino);
        const cur = ino.cur.subarray(0, ino.curLen);
        let next: Buffer = Buffer.from(ino.durable);
        if (opts.torn) {
          // The first byte that differs from the durable content: a prefix of the new writes from there survives.
          let first = 0;
          const common = Math.min(cur.length, ino.durable.length);
          while (first < common && cur[first] === ino.durable[first]) first++;
          if (first < Math.max(cur.length, ino.durable.length)) {
            const keep = first + Math.floor(opts.torn.next() * (cur.length - first + 1));
            const len = Math.max(ino.durable.length, Math.min(keep, cur.length));
            next = Buffer.alloc(len);
            ino.durable.copy(next);
            cur.copy(next, 0, 0, Math.min(keep, cur.length));
          }
        }
        ino.cur = Buffer.from(next);
        ino.curLen = next.length;
        ino.durable = next;
      }
      d.cur = new Map(d.durable);
    }
  }

  /** The current content of a file (test helper). */
  peek(path: string): Buffer | undefined {
    const ino = this.lookup(path);
    return ino ? Buffer.from(ino.cur.subarray(0, ino.curLen)) : undefined;
  }

  /** Replaces a file's content, durably (test helper for corrupting files). */
  poke(path: string, data: Uint8Array): void {
    const d = this.dirOf(path, true)!;
    const ino: Inode = this.lookup(path) ?? { cur: Buffer.alloc(0), curLen: 0, durable: Buffer.alloc(0) };
    ino.cur = Buffer.from(data);
    ino.curLen = data.length;
    ino.durable = Buffer.from(data);
    d.cur.set(baseName(path), ino);
    d.durable.set(baseName(path), ino);
  }

  private check(op: Op, path: string): void {
    this.ops[op]++;
    for (const f of this.faults) {
      if (f.path !== undefined && !(typeof f.path === "string" ? path.includes(f.path) : f.path.test(path))) continue;
      if (f.op !== op) continue;
      f.seen++;
      if (f.after !== undefined && f.seen <= f.after) continue;
      if (f.times !== undefined && f.failed >= f.times) continue;
      f.failed++;
      throw new StorageError(op, path, f.code, `${op} ${path}: ${f.code} (simulated)`);
    }
  }

  private dirOf(path: string, create = false): Dir | undefined {
    const dn = dirName(path);
    let d = this.dirs.get(dn);
    if (!d && create) {
      d = { cur: new Map(), durable: new Map() };
      this.dirs.set(dn, d);
    }
    return d;
  }

  private lookup(path: string): Inode | undefined {
    return this.dirOf(path)?.cur.get(baseName(path));
  }

  private used(): number {
    let n = 0;
    const seen = new Set<Inode>();
    for (const d of this.dirs.values())
      for (const ino of d.cur.values()) {
        if (!seen.has(ino)) n += ino.curLen;
        seen.add(ino);
      }
    return n;
  }

  async mkdirp(dir: string): Promise<void> {
    this.check("mkdir", dir);
    const norm = dir.length > 1 && dir.endsWith("/") ? dir.slice(0, -1) : dir;
    if (!this.dirs.has(norm)) this.dirs.set(norm, { cur: new Map(), durable: new Map() });
  }

  async list(dir: string): Promise<string[]> {
    this.check("list", dir);
    const norm = dir.length > 1 && dir.endsWith("/") ? dir.slice(0, -1) : dir;
    return [...(this.dirs.get(norm)?.cur.keys() ?? [])].sort();
  }

  async open(path: string, mode: "read" | "create" | "append"): Promise<StorageFile> {
    this.check("open", path);
    const d = this.dirOf(path);
    if (!d) throw new StorageError("open", path, "ENOENT", `open ${path}: ENOENT (no such directory)`);
    let ino = d.cur.get(baseName(path));
    if (!ino) {
      if (mode === "read") throw new StorageError("open", path, "ENOENT", `open ${path}: ENOENT`);
      ino = { cur: Buffer.alloc(0), curLen: 0, durable: Buffer.alloc(0) };
      d.cur.set(baseName(path), ino);
    } else if (mode === "create") {
      ino.curLen = 0;
    }
    return new MemoryFile(this, path, ino, this.generation, mode === "read");
  }

  async size(path: string): Promise<number | undefined> {
    return this.lookup(path)?.curLen;
  }

  async rename(from: string, to: string): Promise<void> {
    this.check("rename", from);
    const ino = this.lookup(from);
    if (!ino) throw new StorageError("rename", from, "ENOENT", `rename ${from}: ENOENT`);
    this.dirOf(from)!.cur.delete(baseName(from));
    const d = this.dirOf(to);
    if (!d) throw new StorageError("rename", to, "ENOENT", `rename ${to}: ENOENT (no such directory)`);
    d.cur.set(baseName(to), ino);
  }

  async remove(path: string): Promise<void> {
    this.check("remove", path);
    this.dirOf(path)?.cur.delete(baseName(path));
  }

  async syncDir(dir: string): Promise<void> {
    this.check("syncDir", dir);
    const norm = dir.length > 1 && dir.endsWith("/") ? dir.slice(0, -1) : dir;
    const d = this.dirs.get(norm);
    if (d) d.durable = new Map(d.cur);
  }

  /** @internal */
  _check(op: Op, path: string, gen: number): void {
    if (gen !== this.generation) throw new StorageError(op, path, "EIO", `${op} ${path}: file handle from before a crash`);
    this.check(op, path);
  }

  /** @internal bytes that may still be added before ENOSPC. */
  _room(): number {
    return this.capacity === undefined ? Infinity : Math.max(0, this.capacity - this.used());
  }
}

class MemoryFile implements StorageFile {
  private closed = false;
  constructor(
    private readonly fs: MemoryStorage,
    readonly path: string,
    private readonly ino: Inode,
    private readonly gen: number,
    private readonly readOnly: boolean,
  ) {}

  private async live(op: Op): Promise<void> {
    if (this.fs.yieldEachOp) await new Promise((r) => setImmediate(r));
    if (this.closed) throw new StorageError(op, this.path, "EBADF", `${op} ${this.path}: file is closed`);
    this.fs._check(op, this.path, this.gen);
  }

  async read(position: number, length: number): Promise<Buffer> {
    await this.live("read");
    const end = Math.min(this.ino.curLen, position + length);
    return position >= end ? Buffer.alloc(0) : Buffer.from(this.ino.cur.subarray(position, end));
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    await this.live("write");
    if (this.readOnly) throw new StorageError("write", this.path, "EBADF", `write ${this.path}: opened read-only`);
    const ino = this.ino;
    const end = position + data.length;
    const growth = Math.max(0, end - ino.curLen);
    const room = this.fs._room();
    const fits = growth <= room ? data.length : Math.max(0, data.length - (growth - room));
    const wend = position + fits;
    if (wend > ino.cur.length) {
      const next = Buffer.alloc(Math.max(wend, ino.cur.length * 2));
      ino.cur.copy(next, 0, 0, ino.curLen);
      ino.cur = next;
    }
    if (position > ino.curLen) ino.cur.fill(0, ino.curLen, position);
    ino.cur.set(data.subarray(0, fits), position);
    ino.curLen = Math.max(ino.curLen, wend);
    if (fits < data.length) {
      throw new StorageError("write", this.path, "ENOSPC", `write ${this.path}: ENOSPC (simulated, capacity)`);
    }
  }

  async size(): Promise<number> {
    await this.live("read");
    return this.ino.curLen;
  }

  async truncate(length: number): Promise<void> {
    await this.live("truncate");
    const ino = this.ino;
    if (length > ino.cur.length) {
      const next = Buffer.alloc(length);
      ino.cur.copy(next, 0, 0, ino.curLen);
      ino.cur = next;
    } else if (length > ino.curLen) {
      ino.cur.fill(0, ino.curLen, length);
    }
    ino.curLen = length;
  }

  async datasync(): Promise<void> {
    await this.live("datasync");
    this.ino.durable = Buffer.from(this.ino.cur.subarray(0, this.ino.curLen));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
