/**
 * Counts the nodes a snapshot writer takes from a tree (its `snapshotNodes()` wrapped): tests use it to see how far
 * a snapshot got before a close cancelled it.
 */
export function countSnapshotNodes<T extends { snapshotNodes(): Iterable<unknown> }>(tree: T): T & { taken: number } {
  const counted = Object.assign(tree, { taken: 0 });
  const inner = tree.snapshotNodes.bind(tree);
  counted.snapshotNodes = function* () {
    for (const n of inner()) {
      counted.taken++;
      yield n;
    }
  } as T["snapshotNodes"];
  return counted;
}
