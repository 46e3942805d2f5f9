/**
 * `zkts-server import` (an Apache ZooKeeper data dir -> a zkts one) and `zkts-server export --format zookeeper`
 * (a zkts data dir -> a ZooKeeper 3.8 snapshot). Both keep every node, data byte, ACL, stat and live session.
 */
import { DataTree } from "@zkts/datatree";
import {
  NodeStorage,
  TxnType,
  decodeTxn,
  restoreTree,
  readNewestZkSnapshot,
  readTxnLog,
  restoreDatabase,
  snapshotTree,
  writeZkSnapshot,
  zkSnapshotBodyOf,
  listSnapshots,
  listLogFiles,
  type Storage,
} from "@zkts/persistence";

function zxidHex(z: bigint): string {
  return `0x${z.toString(16)}`;
}

export interface MigrationResult {
  zxid: bigint;
  nodes: number;
  sessions: number;
  file: string;
}

/**
 * Reads a ZooKeeper data dir (newest valid `snapshot.*`, then every txn in `log.*` after it) and writes a zkts
 * snapshot of the result into `toDataDir` (which must hold no zkts data yet).
 */
export async function importZooKeeper(
  storage: Storage,
  zkDataDir: string,
  zkDataLogDir: string,
  toDataDir: string,
  opts: { digestEnabled?: boolean; warn?: (msg: string) => void } = {},
): Promise<MigrationResult> {
  if ((await listSnapshots(storage, toDataDir)).length > 0 || (await listLogFiles(storage, toDataDir)).length > 0) {
    throw new Error(`${toDataDir} already holds zkts data; import into an empty directory`);
  }
  const tree = new DataTree({ digestEnabled: opts.digestEnabled ?? true, extendedTypesEnabled: true });
  const sessions = new Map<bigint, number>();
  const snap = await readNewestZkSnapshot(storage, zkDataDir, (path, e) => opts.warn?.(`skipping invalid snapshot ${path}: ${e.message}`));
  let from = 0n;
  if (snap) {
    restoreTree(tree, snap.acls, snap.nodes, snap.zxid);
    for (const s of snap.sessions) sessions.set(s.id, s.timeout);
    from = snap.zxid;
  } else if ((await listLogFiles(storage, zkDataLogDir)).length === 0) {
    throw new Error(`no ZooKeeper snapshot or txn log in ${zkDataDir}/version-2`);
  }
  // The log is replayed like FileTxnSnapLog.fastForwardFromEdits; damage mid-log stops the import.
  for await (const e of readTxnLog(storage, zkDataLogDir, { fromZxid: from + 1n })) {
    const { header, txn } = decodeTxn(e.payload);
    if (header.type === TxnType.createSession) sessions.set(header.clientId, (txn as { timeOut: number }).timeOut);
    else if (header.type === TxnType.closeSession) sessions.delete(header.clientId);
    tree.processTxn(header, txn);
  }
  const info = await snapshotTree(storage, toDataDir, tree, sessions, { time: Date.now() });
  return { zxid: info.zxid, nodes: info.nodes, sessions: sessions.size, file: info.path };
}

/** Restores a zkts data dir (snapshot + log) and writes it as a ZooKeeper 3.8 snapshot into `<toDir>/version-2`. */
export async function exportZooKeeper(
  storage: Storage,
  dataDir: string,
  dataLogDir: string,
  toDir: string,
  opts: { digestEnabled?: boolean } = {},
): Promise<MigrationResult> {
  const digestEnabled = opts.digestEnabled ?? true;
  const tree = new DataTree({ digestEnabled, extendedTypesEnabled: true });
  const r = await restoreDatabase({ storage, dataDir, dataLogDir, tree });
  const zd = tree.lastProcessedZxidDigest();
  const out = await writeZkSnapshot(storage, toDir, {
    zxid: tree.lastProcessedZxid,
    ...zkSnapshotBodyOf(tree, r.sessions),
    digest: digestEnabled ? zd : null,
  });
  return { zxid: tree.lastProcessedZxid, nodes: tree.nodeCount(), sessions: r.sessions.size, file: out.path };
}

export async function runMigration(name: "import" | "export", argv: string[]): Promise<number> {
  const positional: string[] = [];
  let to: string | undefined;
  let format: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--to") to = argv[++i];
    else if (a.startsWith("--to=")) to = a.slice(5);
    else if (a === "--format") format = argv[++i];
    else if (a.startsWith("--format=")) format = a.slice(9);
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
    else positional.push(a);
  }
  const [dir, logDir] = positional;
  if (dir === undefined || to === undefined || positional.length > 2) {
    throw new Error(
      name === "import"
        ? "usage: zkts-server import <zookeeper dataDir> [<zookeeper dataLogDir>] --to <zkts dataDir>"
        : "usage: zkts-server export --format zookeeper <zkts dataDir> [<zkts dataLogDir>] --to <dir>",
    );
  }
  const storage = new NodeStorage();
  if (name === "import") {
    const r = await importZooKeeper(storage, dir, logDir ?? dir, to, { warn: (m) => process.stderr.write(`warning: ${m}\n`) });
    process.stdout.write(`imported ${r.nodes} nodes and ${r.sessions} sessions at zxid ${zxidHex(r.zxid)} into ${r.file}\n`);
    return 0;
  }
  if (format !== "zookeeper") throw new Error(`--format zookeeper is required (the only export format)`);
  const r = await exportZooKeeper(storage, dir, logDir ?? dir, to);
  process.stdout.write(`exported ${r.nodes} nodes and ${r.sessions} sessions at zxid ${zxidHex(r.zxid)} to ${r.file}\n`);
  return 0;
}
