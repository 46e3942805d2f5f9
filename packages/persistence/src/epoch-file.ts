import { PersistenceError, StorageError } from "./errors.js";
import { baseName, dirName, joinPath, readWholeFile, type Storage } from "./storage.js";

/** An epoch file holds something other than one decimal number. */
export class EpochFileError extends PersistenceError {
  constructor(
    readonly path: string,
    readonly content: string,
  ) {
    super(`${path}: found "${content}", not a decimal number`);
  }
}

/**
 * Reads a decimal number file (ZooKeeper's QuorumPeer.readLongFromFile, as for `acceptedEpoch` / `currentEpoch`):
 * the first line, as a non-negative decimal. `undefined` when the file does not exist. A temp file left by a
 * crashed {@link writeLongFile} (`<name>.tmp`) is never read.
 */
export async function readLongFile(storage: Storage, path: string): Promise<bigint | undefined> {
  if ((await storage.size(path)) === undefined) return undefined;
  let text: string;
  try {
    text = (await readWholeFile(storage, path)).toString("utf8");
  } catch (e) {
    if (e instanceof StorageError && e.code === "ENOENT") return undefined;
    throw e;
  }
  const line = (text.split("\n")[0] ?? "").trim();
  if (!/^\d+$/.test(line)) throw new EpochFileError(path, line);
  return BigInt(line);
}

/**
 * Writes a decimal number file atomically (ZooKeeper's QuorumPeer.writeLongToFile with AtomicFileOutputStream):
 * the text goes to `<path>.tmp`, which is fdatasync'ed and renamed over `<path>`; the directory is then synced, so
 * that when this resolves the new value is durable. A crash at any point leaves `<path>` holding the old value or
 * the new one, whole; a torn `<path>.tmp` is overwritten by the next write and never read.
 */
export async function writeLongFile(storage: Storage, path: string, value: bigint): Promise<void> {
  if (value < 0n) throw new RangeError(`${path}: a negative value (${value}) cannot be written`);
  const dir = dirName(path);
  const tmp = joinPath(dir, `${baseName(path)}.tmp`);
  const f = await storage.open(tmp, "create");
  try {
    await f.write(Buffer.from(`${value}\n`), 0);
    await f.datasync();
  } catch (e) {
    await f.close().catch(() => {});
    await storage.remove(tmp).catch(() => {});
    throw e;
  }
  await f.close();
  await storage.rename(tmp, path);
  await storage.syncDir(dir);
}
