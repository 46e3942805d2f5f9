/**
 * One snapshot load of a data dir's newest snapshot into a new DataTree (loadSnapshot, digests computed in this
 * thread: no worker), with a checkout's *built* packages (dist) and no tsx: for instruction counts of the load
 * under callgrind, A/B between two checkouts (a tiny data dir gives the process's start-up cost to subtract).
 *
 * Run: node --expose-gc apps/server/bench/load-dist.mjs <checkout> <dataDir>
 *      valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out node --expose-gc apps/server/bench/load-dist.mjs <checkout> <dataDir>
 */
const [checkout, dir] = process.argv.slice(2);
if (!checkout || !dir) {
  console.error("usage: load-dist.mjs <checkout> <dataDir>");
  process.exit(2);
}
const p = await import(`${checkout}/packages/persistence/dist/index.js`);
const d = await import(`${checkout}/packages/datatree/dist/index.js`);
const storage = new p.NodeStorage();
const tree = new d.DataTree({ digestEnabled: true });
const [snap] = await p.listSnapshots(storage, dir);
if (!snap) throw new Error(`no snapshot in ${dir}`);
const t0 = process.cpuUsage();
const load = await p.loadSnapshot(storage, snap.path, tree, snap.zxid);
const t = process.cpuUsage(t0);
globalThis.gc?.();
const heap = process.memoryUsage().heapUsed;
console.log(`${load.nodes} nodes, cpu ${((t.user + t.system) / 1000).toFixed(0)} ms, heap ${(heap / 1e6).toFixed(1)} MB, digest ${tree.digest()}`);
