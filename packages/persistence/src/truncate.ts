import { FILE_HEADER_SIZE, VERSION_DIR } from "./log-format.js";
import { joinPath, type Storage } from "./storage.js";
import { listLogFiles, readTxnLog } from "./txnlog-reader.js";

/**
 * Drops every logged txn with zxid > `zxid` (ZAB's TRUNC; ZooKeeper's FileTxnSnapLog.truncateLog): the file
 * holding the first later txn is cut right before it, later files are deleted, the directory is synced. The
 * TxnLog writing this directory must be closed first and reopened with `lastZxid: zxid` (it starts a new file).
 * Returns how many txns were dropped.
 */
export async function truncateLogAfter(storage: Storage, dataLogDir: string, zxid: bigint): Promise<number> {
  const dir = joinPath(dataLogDir, VERSION_DIR);
  let cut: { file: string; offset: number } | undefined;
  let dropped = 0;
  for await (const e of readTxnLog(storage, dataLogDir, { fromZxid: zxid + 1n })) {
    if (e.zxid <= zxid) continue;
    cut ??= { file: e.file, offset: e.offset };
    dropped++;
  }
  if (cut === undefined) return 0;
  const files = await listLogFiles(storage, dataLogDir);
  const at = files.findIndex((f) => f.path === cut.file);
  for (const f of files.slice(at + 1)) await storage.remove(f.path);
  if (cut.offset <= FILE_HEADER_SIZE) {
    await storage.remove(cut.file);
  } else {
    const f = await storage.open(cut.file, "append");
    try {
      await f.truncate(cut.offset);
      await f.datasync();
    } finally {
      await f.close();
    }
  }
  await storage.syncDir(dir);
  return dropped;
}
