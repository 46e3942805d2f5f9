import { open, mkdir, readdir, rename, rm, stat, type FileHandle } from "node:fs/promises";
import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { StorageError } from "./errors.js";
import type { Storage, StorageFile } from "./storage.js";

/** Storage on the real file system (node:fs/promises). */
export class NodeStorage implements Storage {
  async mkdirp(dir: string): Promise<void> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw StorageError.from("mkdir", dir, e);
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return [];
      throw StorageError.from("readdir", dir, e);
    }
  }

  async open(path: string, mode: "read" | "create" | "append"): Promise<StorageFile> {
    const flags =
      mode === "read"
        ? constants.O_RDONLY
        : mode === "create"
          ? constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC
          : constants.O_RDWR | constants.O_CREAT;
    try {
      return new NodeFile(path, await open(path, flags, 0o644));
    } catch (e) {
      throw StorageError.from("open", path, e);
    }
  }

  async size(path: string): Promise<number | undefined> {
    try {
      return (await stat(path)).size;
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return undefined;
      throw StorageError.from("stat", path, e);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      await rename(from, to);
    } catch (e) {
      throw StorageError.from("rename", from, e);
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await rm(path, { force: true });
    } catch (e) {
      throw StorageError.from("remove", path, e);
    }
  }

  async syncDir(dir: string): Promise<void> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(dir, constants.O_RDONLY);
      await fh.sync();
    } catch (e) {
      throw StorageError.from("fsync", dir, e);
    } finally {
      await fh?.close().catch(() => {});
    }
  }
}

class NodeFile implements StorageFile {
  constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  async readInto(buf: Uint8Array, position: number): Promise<number> {
    let got = 0;
    try {
      while (got < buf.length) {
        const { bytesRead } = await this.fh.read(buf, got, buf.length - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (e) {
      throw StorageError.from("read", this.path, e);
    }
    return got;
  }

  async read(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    const got = await this.readInto(buf, position);
    return got === length ? buf : buf.subarray(0, got);
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await this.fh.write(data, done, data.length - done, position + done);
        done += bytesWritten;
      }
    } catch (e) {
      throw StorageError.from("write", this.path, e);
    }
  }

  async size(): Promise<number> {
    try {
      return (await this.fh.stat()).size;
    } catch (e) {
      throw StorageError.from("fstat", this.path, e);
    }
  }

  async truncate(length: number): Promise<void> {
    try {
      await this.fh.truncate(length);
    } catch (e) {
      throw StorageError.from("truncate", this.path, e);
    }
  }

  async datasync(): Promise<void> {
    try {
      await this.fh.datasync();
    } catch (e) {
      throw StorageError.from("fdatasync", this.path, e);
    }
  }

  async close(): Promise<void> {
    try {
      await this.fh.close();
    } catch (e) {
      throw StorageError.from("close", this.path, e);
    }
  }
}

/**
 * NodeStorage with blocking calls (node:fs's *Sync functions), for a thread that does nothing else: the txn log
 * worker. Each call is made on the calling thread instead of being handed to libuv's pool and back.
 */
export class SyncNodeStorage implements Storage {
  mkdirp(dir: string): Promise<void> {
    return attempt("mkdir", dir, () => void mkdirSync(dir, { recursive: true }));
  }

  list(dir: string): Promise<string[]> {
    try {
      return Promise.resolve(readdirSync(dir));
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return Promise.resolve([]);
      return Promise.reject(StorageError.from("readdir", dir, e));
    }
  }

  open(path: string, mode: "read" | "create" | "append"): Promise<StorageFile> {
    return attempt("open", path, () => new SyncNodeFile(path, openSync(path, openFlags(mode), 0o644)));
  }

  size(path: string): Promise<number | undefined> {
    try {
      return Promise.resolve(statSync(path).size);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return Promise.resolve(undefined);
      return Promise.reject(StorageError.from("stat", path, e));
    }
  }

  rename(from: string, to: string): Promise<void> {
    return attempt("rename", from, () => renameSync(from, to));
  }

  remove(path: string): Promise<void> {
    return attempt("remove", path, () => rmSync(path, { force: true }));
  }

  syncDir(dir: string): Promise<void> {
    return attempt("fsync", dir, () => {
      const fd = openSync(dir, constants.O_RDONLY);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  }
}

class SyncNodeFile implements StorageFile {
  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  read(position: number, length: number): Promise<Buffer> {
    return attempt("read", this.path, () => {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(this.fd, buf, got, length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return got === length ? buf : buf.subarray(0, got);
    });
  }

  write(data: Uint8Array, position: number): Promise<void> {
    return attempt("write", this.path, () => {
      let done = 0;
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, position + done);
    });
  }

  size(): Promise<number> {
    return attempt("fstat", this.path, () => fstatSync(this.fd).size);
  }

  truncate(length: number): Promise<void> {
    return attempt("truncate", this.path, () => ftruncateSync(this.fd, length));
  }

  datasync(): Promise<void> {
    return attempt("fdatasync", this.path, () => fdatasyncSync(this.fd));
  }

  close(): Promise<void> {
    return attempt("close", this.path, () => closeSync(this.fd));
  }
}

function openFlags(mode: "read" | "create" | "append"): number {
  return mode === "read"
    ? constants.O_RDONLY
    : mode === "create"
      ? constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC
      : constants.O_RDWR | constants.O_CREAT;
}

/** Runs a blocking call: its result as a settled promise, a failure as a StorageError. */
function attempt<T>(op: string, path: string, f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(StorageError.from(op, path, e));
  }
}
