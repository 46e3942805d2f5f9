/**
 * Curator's path conventions: ZKPaths.makePath, protected (`_c_<uuid>-`) node names of CreateBuilder.withProtection,
 * parents created as containers (creatingParentContainersIfNeeded), and the sequence-number sort of
 * StandardLockInternalsDriver.
 */
import { randomUUID } from "node:crypto";
import {
  ConnectionLossError,
  ErrorCode,
  KeeperError,
  NodeExistsError,
  NoNodeError,
  validatePath,
  type CreateModeName,
  type Data,
  type ZooKeeperClient,
} from "@zkts/client";

/** Curator's ProtectedUtils prefix: protected names are `_c_<uuid>-<name>`. */
export const PROTECTED_PREFIX = "_c_";

/** ZKPaths.makePath: joins a parent and a child name with exactly one slash. */
export function makePath(parent: string, child?: string): string {
  let p = parent === "/" ? "" : parent.replace(/\/+$/, "");
  if (child !== undefined && child !== "") p += "/" + child.replace(/^\/+/, "");
  return p === "" ? "/" : p;
}

/** The last component of a path (ZKPaths.getNodeFromPath). */
export function nodeName(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}

/** The parent of a path ("/" for a top-level node). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** ProtectedUtils.toProtectedZNode: `_c_<uuid>-<name>`. */
export function protectedName(uuid: string, name: string): string {
  return `${PROTECTED_PREFIX}${uuid}-${name}`;
}

/**
 * StandardLockInternalsDriver.standardFixForSorting: what follows the last occurrence of the lock name (the
 * sequence number), so protected prefixes do not disturb the order; names without it sort as themselves.
 */
export function fixForSorting(name: string, lockName: string): string {
  const i = name.lastIndexOf(lockName);
  if (i >= 0) return name.slice(i + lockName.length);
  return name;
}

/** LockInternals.getSortedChildren: every child, ordered by `fix(name)` (Java's String.compareTo: UTF-16 order). */
export function sortChildren(children: readonly string[], lockName: string, fix: (n: string, l: string) => string = fixForSorting): string[] {
  return [...children].sort((a, b) => {
    const x = fix(a, lockName);
    const y = fix(b, lockName);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** The bounded retry every recipe uses for operations interrupted by a lost connection. */
export const MAX_CONNECTION_RETRIES = 10;

/**
 * Creates `path`'s missing ancestors as container nodes (Curator's creatingParentContainersIfNeeded; the server
 * deletes an empty container later, which is why every recipe retries a create that finds its parent gone).
 */
export async function ensureContainers(client: ZooKeeperClient, path: string): Promise<void> {
  if (path === "/") return;
  try {
    await client.create(path, null, { mode: "container" });
  } catch (e) {
    if (e instanceof NodeExistsError) return;
    if (!(e instanceof NoNodeError)) throw e;
    await ensureContainers(client, parentOf(path));
    try {
      await client.create(path, null, { mode: "container" });
    } catch (e2) {
      if (!(e2 instanceof NodeExistsError)) throw e2;
    }
  }
}

/**
 * Creates `path` (whose last component is the name to protect) as `<parent>/_c_<uuid>-<name>[sequence]`, creating
 * missing parents as containers. A create interrupted by a lost connection may have been applied: as Curator's
 * protected mode, the parent's children are searched for our uuid before trying again. Returns the created path.
 */
export async function createProtected(client: ZooKeeperClient, path: string, data: Data, mode: CreateModeName): Promise<string> {
  validatePath(path);
  const parent = parentOf(path);
  const uuid = randomUUID();
  const full = makePath(parent, protectedName(uuid, nodeName(path)));
  const prefix = protectedName(uuid, "");
  for (let attempt = 0; ; attempt++) {
    try {
      return (await client.create(full, data, { mode })).path;
    } catch (e) {
      if (attempt >= MAX_CONNECTION_RETRIES) throw e;
      if (e instanceof NoNodeError) {
        await ensureContainers(client, parent);
        continue;
      }
      if (!(e instanceof ConnectionLossError)) throw e;
      const found = await findProtected(client, parent, prefix);
      if (found !== undefined) return found;
    }
  }
}

async function findProtected(client: ZooKeeperClient, parent: string, prefix: string): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      const children = await client.getChildren(parent);
      const name = children.find((c) => c.startsWith(prefix));
      return name === undefined ? undefined : makePath(parent, name);
    } catch (e) {
      if (e instanceof NoNodeError) return undefined;
      if (!(e instanceof ConnectionLossError) || attempt >= MAX_CONNECTION_RETRIES) throw e;
    }
  }
}

/**
 * Curator's `delete().guaranteed()`: deletes the node, retrying after a lost connection until the delete is
 * known to be done (bounded); a missing node is fine, and so is an expired session (its ephemerals are gone).
 */
export async function guaranteedDelete(client: ZooKeeperClient, path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.delete(path);
      return;
    } catch (e) {
      if (e instanceof NoNodeError) return;
      if (e instanceof ConnectionLossError && attempt < MAX_CONNECTION_RETRIES) continue;
      if (isSessionGone(e)) return;
      throw e;
    }
  }
}

/** True for the errors of a session that is gone: expired, or its client closed (both carry SESSIONEXPIRED). */
export function isSessionGone(e: unknown): boolean {
  return e instanceof KeeperError && e.code === ErrorCode.SESSIONEXPIRED;
}
