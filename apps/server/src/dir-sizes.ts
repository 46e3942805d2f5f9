import type { DirSizes } from "@zkts/nio-cnxn";
import { joinPath, VERSION_DIR, type Storage } from "@zkts/persistence";

/** Bytes of the files in a directory (0 if it does not exist). */
async function filesSize(storage: Storage, dir: string): Promise<number> {
  let total = 0;
  for (const name of await storage.list(dir)) total += (await storage.size(joinPath(dir, name))) ?? 0;
  return total;
}

/**
 * Measures, when asked, what `dirs` and `conf` print. As ZooKeeperServer.getDataDirSize / getLogDirSize:
 * `dataDirSize` is FileTxnSnapLog's "dataDir", which is the txn log directory (`<dataLogDir>/version-2`), and
 * `logDirSize` its "snapDir" (`<dataDir>/version-2`); they are the same directory unless dataLogDir is set.
 */
export function dirSizesOf(storage: Storage, dataDir: string, dataLogDir: string): () => Promise<DirSizes> {
  return async () => ({
    dataDirSize: await filesSize(storage, joinPath(dataLogDir, VERSION_DIR)),
    logDirSize: await filesSize(storage, joinPath(dataDir, VERSION_DIR)),
  });
}
