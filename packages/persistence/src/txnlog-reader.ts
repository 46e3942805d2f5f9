import { TxnHeader, InputArchive } from "@zkts/jute";
import { adler32 } from "./adler32.js";
import { LogCorruptionError } from "./errors.js";
import { ENTRY_OVERHEAD, EOR, FILE_HEADER_SIZE, TXNLOG_MAGIC, TXNLOG_VERSION, VERSION_DIR, zxidFromName } from "./log-format.js";
import { joinPath, type Storage, type StorageFile } from "./storage.js";

export interface LogFile {
  path: string;
  name: string;
  /** zxid in the file name (the first txn written to it). */
  zxid: bigint;
}

/** Every `log.<hex>` file of `<dataLogDir>/version-2`, sorted by zxid. */
export async function listLogFiles(storage: Storage, dataLogDir: string): Promise<LogFile[]> {
  const dir = joinPath(dataLogDir, VERSION_DIR);
  const out: LogFile[] = [];
  for (const name of await storage.list(dir)) {
    const zxid = zxidFromName(name, "log");
    if (zxid !== undefined) out.push({ path: joinPath(dir, name), name, zxid });
  }
  return out.sort((a, b) => (a.zxid < b.zxid ? -1 : a.zxid > b.zxid ? 1 : 0));
}

/**
 * The files that may hold txns from `zxid` on: the last file starting at or before it and every later one
 * (ZooKeeper's FileTxnLog.getLogFiles).
 */
export function logFilesFrom(files: LogFile[], zxid: bigint): LogFile[] {
  let start = 0n;
  for (const f of files) {
    if (f.zxid > zxid) break;
    if (f.zxid > start) start = f.zxid;
  }
  return files.filter((f) => f.zxid >= start);
}

export interface LogEntry {
  /** Path of the file holding the entry. */
  file: string;
  /** Offset of the entry (its checksum) in the file. */
  offset: number;
  zxid: bigint;
  /** The payload's TxnHeader (decoded when first read). */
  header: TxnHeader;
  /** TxnHeader + txn record [+ TxnDigest]; decode with `decodeTxn`. */
  payload: Buffer;
}

class Entry implements LogEntry {
  private hdr: TxnHeader | undefined;
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly zxid: bigint,
    readonly payload: Buffer,
  ) {}

  get header(): TxnHeader {
    return (this.hdr ??= TxnHeader.read(new InputArchive(this.payload, { maxBuffer: 0x7fffffff })));
  }
}

/**
 * Where and why the log ended.
 * - "eof": the last file ends exactly after its last entry.
 * - "preallocated": a zero-length entry, the start of the zero-filled preallocated tail (the normal end).
 * - "torn": a partial last entry (short, no 'B', or a bad checksum) with nothing valid after it: the tail of
 *   a write that never completed. Truncate it with `truncateTornTail` before writing again.
 * - "corrupt": damage followed by valid data, reported only with `acceptLoss`; truncating there discards
 *   the valid entries after it (and every later file, listed in `discardFiles`).
 */
export interface LogEnd {
  reason: "eof" | "preallocated" | "torn" | "corrupt";
  /** The file the log ends in (null: no log files). */
  file: string | null;
  /** Offset just after the last valid entry of `file` (or 0 if its header is incomplete). */
  offset: number;
  detail?: string;
  /** zxid of the last valid entry read (whether or not it was >= fromZxid); -1n if none. */
  lastZxid: bigint;
  /** Later files (holding no valid txns, or only ones after a "corrupt" end) that truncateTornTail deletes. */
  discardFiles: string[];
}

export interface ReadLogOptions {
  /** Yield only txns with zxid >= this (default: all). Files are chosen as ZooKeeper does. */
  fromZxid?: bigint;
  /** Instead of throwing LogCorruptionError on mid-log damage, end the log there (reason "corrupt"). */
  acceptLoss?: boolean;
  /** Read size (default 1 MiB). */
  chunkSize?: number;
  /**
   * Payloads are views of what the storage's reads return, not copies (NodeStorage: a new buffer each read, never
   * reused; a kept payload pins its whole read buffer): for a reader that decodes each entry and keeps no part of it (the restart replay).
   */
  payloadViews?: boolean;
}

/** Reads txns from the files of `<dataLogDir>/version-2` in zxid order. After iterating, `end` says where the log ended. */
export class TxnLogReader implements AsyncIterable<LogEntry> {
  end: LogEnd | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly dataLogDir: string,
    private readonly opts: ReadLogOptions = {},
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<LogEntry> {
    for await (const batch of this.batches()) yield* batch;
  }

  /**
   * The same entries in order, in batches (those parsed from one read, up to BATCH): a caller that applies them
   * at once waits once per batch, not once per entry. Entries before a damaged point are handed out before
   * the error or the end is known, as by the iterator. Iterate one of the two, once.
   */
  async *batches(): AsyncGenerator<LogEntry[]> {
    const from = this.opts.fromZxid ?? -(1n << 63n);
    const all = await listLogFiles(this.storage, this.dataLogDir);
    const files = this.opts.fromZxid === undefined ? all : logFilesFrom(all, from);
    let lastZxid = -1n;
    const views = this.opts.payloadViews === true;
    if (files.length === 0) {
      this.end = { reason: "eof", file: null, offset: 0, lastZxid, discardFiles: [] };
      return;
    }
    for (let i = 0; i < files.length; i++) {
      const path = files[i]!.path;
      const isLast = i === files.length - 1;
      const f = await this.storage.open(path, "read");
      try {
        const cur = new Cursor(f, await f.size(), this.opts.chunkSize ?? 1 << 20);
        let stop: { offset: number; reason: "eof" | "preallocated" | "torn"; detail?: string } | undefined;
        const hdr = await cur.get(0, FILE_HEADER_SIZE);
        if (hdr.length < FILE_HEADER_SIZE) {
          stop = { offset: 0, reason: "torn", detail: `file header incomplete (${hdr.length} bytes)` };
        } else {
          const magic = hdr.readInt32BE(0);
          const version = hdr.readInt32BE(4);
          if (magic !== TXNLOG_MAGIC) {
            if (isLast && isZero(hdr) && (await cur.zeroFrom(0))) {
              stop = { offset: 0, reason: "torn", detail: "file header never written" };
            } else {
              throw new LogCorruptionError(path, 0, `bad magic 0x${(magic >>> 0).toString(16)} (expected ZKLG)`);
            }
          } else if (version !== TXNLOG_VERSION) {
            throw new LogCorruptionError(path, 4, `unsupported log version ${version}`);
          }
        }
        let off = FILE_HEADER_SIZE;
        let batch: LogEntry[] = [];
        while (!stop) {
          let r = parseBuffered(cur, off, views);
          if (r === undefined) {
            // a read is needed: hand out what was parsed so far first
            if (batch.length > 0) {
              yield batch;
              batch = [];
            }
            r = await parseEntry(cur, off, views);
          }
          if (r.kind === "entry") {
            // TxnHeader.zxid: bytes 12..20 of the payload (parseEntry checked it holds a whole TxnHeader)
            const zxid = r.payload.readBigInt64BE(12);
            lastZxid = zxid;
            if (zxid >= from) {
              batch.push(new Entry(path, off, zxid, r.payload));
              if (batch.length === BATCH) {
                yield batch;
                batch = [];
              }
            }
            off = r.next;
          } else if (r.kind === "end") {
            stop = { offset: off, reason: r.reason };
          } else {
            stop = { offset: off, reason: "torn", detail: r.detail };
          }
        }
        if (batch.length > 0) yield batch;
        // A torn tail or the zero-filled tail ends the log only if nothing valid follows; otherwise this is
        // damage in the middle of the log (e.g. a zeroed length, a bad checksum, a torn entry in an old file).
        const later = isLast ? [] : files.slice(i + 1).map((x) => x.path);
        if (stop.reason !== "eof") {
          const validAt = await findValidEntry(cur, stop.offset + 1);
          const laterTxns = stop.reason === "torn" && (await anyEntries(this.storage, later));
          if (validAt !== undefined || laterTxns) {
            const what = `${stop.detail ?? "zero-length entry"}, but ${
              validAt !== undefined ? `a valid entry follows at offset ${validAt}` : "later log files hold txns"
            }`;
            if (!this.opts.acceptLoss) throw new LogCorruptionError(path, stop.offset, what);
            this.end = { reason: "corrupt", file: path, offset: stop.offset, detail: what, lastZxid, discardFiles: later };
            return;
          }
        }
        if (isLast || stop.reason === "torn") {
          this.end = { reason: stop.reason, file: path, offset: stop.offset, lastZxid, discardFiles: later };
          if (stop.detail !== undefined) this.end.detail = stop.detail;
          return;
        }
      } finally {
        await f.close();
      }
    }
  }
}

/** Most entries in one TxnLogReader batch. */
const BATCH = 1024;

/** Reads the txns of a log directory (see TxnLogReader). */
export function readTxnLog(storage: Storage, dataLogDir: string, opts: ReadLogOptions = {}): TxnLogReader {
  return new TxnLogReader(storage, dataLogDir, opts);
}

/**
 * Cuts the log at `end` when it is "torn" or "corrupt": truncates the file after its last valid entry
 * (removing it if not even its header is valid), deletes `discardFiles`, and makes that durable.
 * Does nothing for a clean end.
 */
export async function truncateTornTail(storage: Storage, dataLogDir: string, end: LogEnd): Promise<void> {
  if ((end.reason !== "torn" && end.reason !== "corrupt") || end.file === null) return;
  const dir = joinPath(dataLogDir, VERSION_DIR);
  for (const p of end.discardFiles) await storage.remove(p);
  if (end.offset <= FILE_HEADER_SIZE) {
    await storage.remove(end.file);
  } else {
    const f = await storage.open(end.file, "append");
    try {
      await f.truncate(end.offset);
      await f.datasync();
    } finally {
      await f.close();
    }
  }
  await storage.syncDir(dir);
}

// ---- parsing ----

class Cursor {
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;
  constructor(
    readonly file: StorageFile,
    readonly size: number,
    private readonly chunk: number,
  ) {}

  /** `get` without a read: undefined when the bytes are not in the buffer. */
  peek(off: number, n: number): Buffer | undefined {
    const want = Math.min(n, Math.max(0, this.size - off));
    if (off >= this.bufStart && off + want <= this.bufStart + this.buf.length) {
      return this.buf.subarray(off - this.bufStart, off - this.bufStart + want);
    }
    return undefined;
  }

  /** Up to `n` bytes at `off` (fewer at the end of the file); a read (of at least the chunk size) starts at `off`. */
  async get(off: number, n: number): Promise<Buffer> {
    const have = this.peek(off, n);
    if (have !== undefined) return have;
    const want = Math.min(n, Math.max(0, this.size - off));
    this.buf = await this.file.read(off, Math.max(want, this.chunk));
    this.bufStart = off;
    return this.buf.subarray(0, Math.min(want, this.buf.length));
  }

  /** True if every byte from `off` to the end of the file is zero. */
  async zeroFrom(off: number): Promise<boolean> {
    for (let p = off; p < this.size; ) {
      const b = await this.get(p, this.chunk);
      if (b.length === 0) break;
      if (!isZero(b)) return false;
      p += b.length;
    }
    return true;
  }
}

const ZEROS = Buffer.alloc(1 << 16);

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i += ZEROS.length) {
    const n = Math.min(ZEROS.length, b.length - i);
    if (Buffer.compare(b.subarray(i, i + n), ZEROS.subarray(0, n)) !== 0) return false;
  }
  return true;
}

type Parsed =
  | { kind: "entry"; payload: Buffer; next: number }
  | { kind: "end"; reason: "eof" | "preallocated" }
  | { kind: "bad"; detail: string };

/**
 * The entry at `off`, parsed from the cursor's buffer without a read; undefined when part of it is not there yet.
 * Most entries of a log are parsed this way (no await per entry).
 */
function parseBuffered(cur: Cursor, off: number, view: boolean): Parsed | undefined {
  const h = cur.peek(off, 12);
  if (h === undefined) return undefined;
  if (h.length === 0) return { kind: "end", reason: "eof" };
  if (h.length < 12) {
    return isZero(h) ? { kind: "end", reason: "preallocated" } : { kind: "bad", detail: "entry header cut short" };
  }
  const crcHi = h.readUInt32BE(0);
  const crc = h.readUInt32BE(4);
  const len = h.readInt32BE(8);
  if (len === 0 && crc === 0 && crcHi === 0) return { kind: "end", reason: "preallocated" };
  if (len <= 0) return { kind: "bad", detail: `invalid entry length ${len}` };
  if (crcHi !== 0) return { kind: "bad", detail: "checksum out of range" };
  if (off + 12 + len + 1 > cur.size) return { kind: "bad", detail: `entry of ${len} bytes cut short by the end of the file` };
  const body = cur.peek(off + 12, len + 1);
  if (body === undefined) return undefined;
  if (body[len] !== EOR) return { kind: "bad", detail: "entry not terminated by 'B' (partial write)" };
  const payload = view ? body.subarray(0, len) : Buffer.from(body.subarray(0, len));
  const actual = adler32(payload);
  if (actual !== crc) {
    return { kind: "bad", detail: `checksum mismatch (stored 0x${crc.toString(16)}, computed 0x${actual.toString(16)})` };
  }
  if (len < 32) return { kind: "bad", detail: `payload of ${len} bytes too short for a TxnHeader` };
  return { kind: "entry", payload, next: off + 12 + len + 1 };
}

async function parseEntry(cur: Cursor, off: number, view = false): Promise<Parsed> {
  const r = parseBuffered(cur, off, view);
  if (r !== undefined) return r;
  // a read from `off`: the entry header, and the whole entry when the chunk holds it
  const h = await cur.get(off, 12);
  const whole = parseBuffered(cur, off, view);
  if (whole !== undefined) return whole;
  // a length within the file (parseBuffered checked it) whose body the chunk does not hold: read it all from `off`
  await cur.get(off, 12 + h.readInt32BE(8) + 1);
  return parseBuffered(cur, off, view)!;
}

/** Read size of the zero scan (firstNonZero). */
const ZERO_SCAN_READ = 4 << 20;

/**
 * Offset of the first non-zero byte at or after `from` (undefined: all zero to the end of the file). Reads the
 * file directly in large pieces (not through the cursor's buffer), comparing 64 KiB at a time: the zero-filled
 * preallocated tail of a log file (up to 64 MiB) is checked this way at every restart.
 */
async function firstNonZero(cur: Cursor, from: number): Promise<number | undefined> {
  const readInto = cur.file.readInto?.bind(cur.file);
  const into = readInto === undefined ? undefined : Buffer.allocUnsafe(Math.min(ZERO_SCAN_READ, Math.max(0, cur.size - from)));
  for (let base = from; base < cur.size; ) {
    const want = Math.min(ZERO_SCAN_READ, cur.size - base);
    const b = into === undefined ? await cur.file.read(base, want) : into.subarray(0, await readInto!(into.subarray(0, want), base));
    if (b.length === 0) break;
    for (let i = 0; i < b.length; i += ZEROS.length) {
      const n = Math.min(ZEROS.length, b.length - i);
      if (Buffer.compare(b.subarray(i, i + n), ZEROS.subarray(0, n)) !== 0) {
        let j = i;
        while (b[j] === 0) j++;
        return base + j;
      }
    }
    base += b.length;
  }
  return undefined;
}

/** Offset of the first complete, checksum-valid entry at or after `from`, if any. */
async function findValidEntry(cur: Cursor, from: number): Promise<number | undefined> {
  // A valid entry has a non-zero length (its bytes 8..11): none starts more than 11 bytes before the first non-zero byte.
  const nz = await firstNonZero(cur, from);
  if (nz === undefined) return undefined;
  from = Math.max(from, nz - 11);
  const CH = 1 << 20;
  for (let base = from; base + ENTRY_OVERHEAD + 32 <= cur.size; base += CH) {
    const window = await cur.get(base, CH + 12);
    const lim = Math.min(CH, window.length - 12);
    for (let i = 0; i < lim; i++) {
      // Skip zero blocks fast: no entry can start in a zero 4 KiB block more than 12 bytes before its end.
      if ((i & 4095) === 0 && i + 4096 <= window.length && isZero(window.subarray(i, i + 4096))) {
        i += 4096 - 13;
        continue;
      }
      // A valid entry starts with 4 zero bytes (Adler32 fits in 32 bits) and a plausible length.
      if (window[i] !== 0 || window[i + 1] !== 0 || window[i + 2] !== 0 || window[i + 3] !== 0) continue;
      const len = window.readInt32BE(i + 8);
      if (len < 32 || base + i + 12 + len + 1 > cur.size) continue;
      // (parseEntry may move the cursor's buffer; `window` stays a valid view of the old one.)
      if ((await parseEntry(cur, base + i)).kind === "entry") return base + i;
    }
  }
  return undefined;
}

async function anyEntries(storage: Storage, paths: string[]): Promise<boolean> {
  for (const path of paths) {
    const f = await storage.open(path, "read");
    try {
      const cur = new Cursor(f, await f.size(), 1 << 16);
      const hdr = await cur.get(0, FILE_HEADER_SIZE);
      if (hdr.length < FILE_HEADER_SIZE) continue;
      if ((await parseEntry(cur, FILE_HEADER_SIZE)).kind === "entry") return true;
    } finally {
      await f.close();
    }
  }
  return false;
}
