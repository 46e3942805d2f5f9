/**
 * The storage the txn log and snapshots are written through. `NodeStorage` implements it with node:fs;
 * `MemoryStorage` keeps files in memory and can simulate crashes (lost unsynced data, torn writes) and
 * failing operations (ENOSPC, EIO). Paths are plain strings joined with "/".
 */
export interface Storage {
  /** Creates a directory and its parents (no error if it exists). */
  mkdirp(dir: string): Promise<void>;
  /** Names (not paths) of the entries of a directory; [] if it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Opens a file. "read": must exist. "create": created or truncated to empty. "append": created if missing, kept. */
  open(path: string, mode: "read" | "create" | "append"): Promise<StorageFile>;
  /** Size of a file, or undefined if it does not exist. */
  size(path: string): Promise<number | undefined>;
  /** Atomically replaces `to` with `from` (POSIX rename). Durable only after `syncDir` of the directory. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file (no error if missing). */
  remove(path: string): Promise<void>;
  /** Makes the directory's entries (created, renamed, removed files) durable. */
  syncDir(dir: string): Promise<void>;
}

export interface StorageFile {
  readonly path: string;
  /** Reads up to `length` bytes at `position`; fewer at the end of the file. */
  read(position: number, length: number): Promise<Buffer>;
  /**
   * Optional: reads up to `buf.length` bytes at `position` into `buf` (no new buffer); returns how many (fewer at
   * the end of the file). Readers that scan large parts of a file once use it when present, else `read`.
   */
  readInto?(buf: Uint8Array, position: number): Promise<number>;
  /** Writes all of `data` at `position`, extending the file (with zeros in any gap) if needed. */
  write(data: Uint8Array, position: number): Promise<void>;
  size(): Promise<number>;
  truncate(length: number): Promise<void>;
  /** fdatasync: makes the file's data durable. */
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

export function dirName(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Reads a whole file. */
export async function readWholeFile(storage: Storage, path: string): Promise<Buffer> {
  const f = await storage.open(path, "read");
  try {
    const size = await f.size();
    return await f.read(0, size);
  } finally {
    await f.close();
  }
}
