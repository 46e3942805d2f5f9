/** count/sum/min/max of the byte counts recorded for one namespace. */
export interface NamespaceSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * Bytes read and written per top-level namespace (`/a/b` counts under `a`), as ZooKeeper's
 * `zk_{avg,min,max,cnt,sum}_<ns>_{read,write}_per_namespace` metrics (DataTree.updateReadStat /
 * updateWriteStat): reads count getData's data length, getChildren's child-name lengths and 0 for exists;
 * writes count the data length of creates and setData and 0 for deletes.
 */
export class NamespaceCounters {
  readonly read = new Map<string, NamespaceSummary>();
  readonly write = new Map<string, NamespaceSummary>();

  countRead(path: string, bytes: number): void {
    count(this.read, path, bytes);
  }

  countWrite(path: string, bytes: number): void {
    count(this.write, path, bytes);
  }
}

function count(m: Map<string, NamespaceSummary>, path: string, bytes: number): void {
  const end = path.indexOf("/", 1);
  const ns = end < 0 ? path.slice(1) : path.slice(1, end);
  if (ns === "") return;
  const v = m.get(ns);
  if (v === undefined) {
    m.set(ns, { count: 1, sum: bytes, min: bytes, max: bytes });
  } else {
    v.min = Math.min(v.min, bytes);
    v.max = Math.max(v.max, bytes);
    v.count++;
    v.sum += bytes;
  }
}
