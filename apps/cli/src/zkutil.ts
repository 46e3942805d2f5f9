/** ZKUtil's subtree walks, as zkCli.sh's deleteall, ls -R, setAcl -R and setquota use them. */
import { ErrorCode, KeeperError, type ZooKeeperClient } from "@zkts/client";

/** ZKUtil.listSubTreeBFS: the path, then its descendants breadth-first in the server's child order. */
export async function listSubTreeBFS(zk: ZooKeeperClient, root: string): Promise<string[]> {
  const queue = [root];
  const tree = [root];
  while (queue.length) {
    const node = queue.shift()!;
    for (const child of await zk.getChildren(node)) {
      const p = (node === "/" ? "" : node) + "/" + child;
      queue.push(p);
      tree.push(p);
    }
  }
  return tree;
}

/**
 * ZKUtil.visitSubTreeDFS: getData on the root (NoNode fails), the root, then per node its sorted children
 * and then each child's subtree; nodes deleted meanwhile are skipped.
 */
export async function visitSubTreeDFS(
  zk: ZooKeeperClient,
  root: string,
  watch: true | undefined,
  visit: (path: string) => void | Promise<void>,
): Promise<void> {
  await zk.getData(root, { watch });
  await visit(root);
  const helper = async (path: string): Promise<void> => {
    let children: string[];
    try {
      children = await zk.getChildren(path, { watch });
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return;
      throw e;
    }
    children.sort();
    const paths = children.map((c) => (path === "/" ? "/" : path + "/") + c);
    for (const p of paths) await visit(p);
    for (const p of paths) await helper(p);
  };
  await helper(root);
}
