import {
  decode,
  type ACL,
  type CheckVersionTxn,
  type CloseSessionTxn,
  type CreateContainerTxn,
  type CreateTTLTxn,
  type CreateTxn,
  type DeleteTxn,
  type ErrorTxn,
  type MultiTxn,
  type SetACLTxn,
  type SetDataTxn,
  type Stat,
  type TxnHeader,
} from "@zkts/jute";
import { CONTAINER_EPHEMERAL_OWNER, subTxnCodec, ttlEphemeralOwner } from "@zkts/client-wire";
import { ErrorCode, EventType, OpCode } from "./constants.js";
import { DataNode, keepData, newNodeStat, splitPath, statOf } from "./data-node.js";
import type { TreeState } from "./tree-state.js";

/**
 * A multi's sub-txn as its preparer may hand it over: `record` is what decoding `data` with the sub-txn codec of
 * `type` gives; applied as is, `data` is then not decoded again. Core's prep hands `record` with `data` null (never
 * encoded on its own: client-wire's MultiTxn codec writes the record in place). Sub-txns read from a log or a
 * leader have only `type` and `data`.
 */
export interface PreparedSubTxn {
  type: number;
  data: Buffer | null;
  record?: unknown;
}

/** What applying one txn did. For a multi, `multiResult` holds one result per sub-txn. */
export interface ProcessTxnResult {
  clientId: bigint;
  cxid: number;
  zxid: bigint;
  type: number;
  /** 0, or the ZooKeeper error code met while applying (e.g. NODEEXISTS on replay, or an ErrorTxn's code). */
  err: number;
  path?: string;
  stat?: Stat;
  multiResult?: ProcessTxnResult[];
}

/** A ZooKeeper error met while applying a txn: becomes the result's `err`. */
class TreeError extends Error {
  constructor(readonly code: number) {
    super(`keeper error ${code}`);
  }
}

/**
 * DataTree.processTxn: applies one txn (a sub-txn of a multi when `isSubTxn`) and fires its watches. Errors end
 * up in `err`, never thrown.
 */
export function processTxn(s: TreeState, header: TxnHeader, txn: unknown, isSubTxn: boolean): ProcessTxnResult {
  const rc: ProcessTxnResult = {
    clientId: header.clientId,
    cxid: header.cxid,
    zxid: header.zxid,
    type: header.type,
    err: 0,
  };
  try {
    applyTxn(s, header, txn, rc);
  } catch (e) {
    rc.err = e instanceof TreeError ? e.code : ErrorCode.MARSHALLINGERROR;
  }
  if (header.type === OpCode.create && rc.err === ErrorCode.NODEEXISTS && rc.path !== undefined) {
    replayedCreate(s, rc.path, (txn as CreateTxn).parentCVersion, header.zxid, rc);
  }
  if (!isSubTxn && rc.zxid > s.lastProcessedZxid) s.lastProcessedZxid = rc.zxid;
  return rc;
}

/** One small handler per txn type (each call site monomorphic: no handler table on the hot path). */
function applyTxn(s: TreeState, header: TxnHeader, txn: unknown, rc: ProcessTxnResult): void {
  switch (header.type) {
    case OpCode.create:
    case OpCode.create2:
      return applyCreate(s, header, txn as CreateTxn, rc);
    case OpCode.createTTL:
      return applyCreateTTL(s, header, txn as CreateTTLTxn, rc);
    case OpCode.createContainer:
      return applyCreateContainer(s, header, txn as CreateContainerTxn, rc);
    case OpCode.delete:
    case OpCode.deleteContainer:
      rc.path = (txn as DeleteTxn).path;
      return deleteNode(s, rc.path, header.zxid, s.hint, s.hintParent);
    case OpCode.setData:
    case OpCode.reconfig:
      return applySetDataTxn(s, header, txn as SetDataTxn, rc);
    case OpCode.setACL:
      return applySetACLTxn(s, txn as SetACLTxn, rc);
    case OpCode.closeSession:
      return killSession(s, header.clientId, header.zxid, (txn as CloseSessionTxn | null | undefined)?.paths2Delete ?? null);
    case OpCode.error:
      rc.err = (txn as ErrorTxn).err;
      return;
    case OpCode.check:
      rc.path = (txn as CheckVersionTxn).path;
      return;
    case OpCode.multi:
      return applyMulti(s, header, txn as MultiTxn, rc);
    default:
      // createSession and anything else: nothing in the tree changes.
      return;
  }
}

function applyCreate(s: TreeState, h: TxnHeader, t: CreateTxn, rc: ProcessTxnResult): void {
  rc.path = t.path;
  const owner = t.ephemeral ? h.clientId : 0n;
  rc.stat = createNode(s, t.path, t.data, t.acl, owner, t.parentCVersion, h.zxid, h.time, s.hintParent);
}

function applyCreateTTL(s: TreeState, h: TxnHeader, t: CreateTTLTxn, rc: ProcessTxnResult): void {
  rc.path = t.path;
  let owner: bigint;
  try {
    owner = ttlEphemeralOwner(t.ttl);
  } catch {
    throw new TreeError(ErrorCode.BADARGUMENTS);
  }
  rc.stat = createNode(s, t.path, t.data, t.acl, owner, t.parentCVersion, h.zxid, h.time, s.hintParent);
}

function applyCreateContainer(s: TreeState, h: TxnHeader, t: CreateContainerTxn, rc: ProcessTxnResult): void {
  rc.path = t.path;
  rc.stat = createNode(s, t.path, t.data, t.acl, CONTAINER_EPHEMERAL_OWNER, t.parentCVersion, h.zxid, h.time, s.hintParent);
}

function applySetDataTxn(s: TreeState, h: TxnHeader, t: SetDataTxn, rc: ProcessTxnResult): void {
  rc.path = t.path;
  rc.stat = setData(s, t.path, t.data, t.version, h.zxid, h.time);
}

function applySetACLTxn(s: TreeState, t: SetACLTxn, rc: ProcessTxnResult): void {
  rc.path = t.path;
  rc.stat = setACL(s, t.path, t.acl, t.version);
}

/** Replaying a create whose node survived (fuzzy snapshot): still move the parent's cversion/pzxid forward. */
function replayedCreate(s: TreeState, path: string, parentCVersion: number, zxid: bigint, rc: ProcessTxnResult): void {
  const { parent } = splitPath(path);
  const pnode = s.nodes.get(parent);
  if (!pnode) {
    rc.err = ErrorCode.NONODE;
    return;
  }
  const cv = parentCVersion === -1 ? pnode.stat.cversion + 1 : parentCVersion;
  if (cv > pnode.stat.cversion) {
    s.nodes.preChange(parent, pnode);
    pnode.stat.cversion = cv;
    pnode.stat.pzxid = zxid;
    s.nodes.postChange(parent, pnode);
  }
}

/**
 * A multi's sub-txns, each applied as a txn of its own. A multi that carries an ErrorTxn was rejected as a
 * whole: nothing in it is applied; ops before the failing one read OK (0), ops after it RUNTIMEINCONSISTENCY
 * (-2), the failing ones their own code. `rc.err` is the first non-zero code.
 */
function applyMulti(s: TreeState, header: TxnHeader, multi: MultiTxn, rc: ProcessTxnResult): void {
  // the hints name the nodes of a single txn, never those of a sub-txn
  s.hint = undefined;
  s.hintParent = undefined;
  const txns = multi.txns;
  const results: ProcessTxnResult[] = [];
  rc.multiResult = results;
  let failed = false;
  for (const sub of txns) if (sub.type === OpCode.error) failed = true;
  let postFailed = false;
  const { clientId, cxid, zxid, time } = header;
  // one header for every sub-txn (applying one reads its fields and keeps nothing of it); only `type` changes
  const subHeader: TxnHeader = { clientId, cxid, zxid, time, type: OpCode.error };
  for (const sub of txns as PreparedSubTxn[]) {
    let type = sub.type;
    let record: unknown;
    let decodeFailed = false;
    if (type === OpCode.error) postFailed = true;
    if (failed && type !== OpCode.error) {
      record = { err: postFailed ? ErrorCode.RUNTIMEINCONSISTENCY : ErrorCode.OK };
      type = OpCode.error;
    } else if (sub.record !== undefined) {
      record = sub.record;
    } else {
      try {
        const codec = subTxnCodec(type);
        if (sub.data === null) throw new Error("bad sub-txn");
        record = decode(codec, sub.data);
      } catch {
        decodeFailed = true;
      }
    }
    subHeader.type = type;
    const subRc: ProcessTxnResult = decodeFailed
      ? { clientId, cxid, zxid, type, err: ErrorCode.MARSHALLINGERROR }
      : processTxn(s, subHeader, record, true);
    results.push(subRc);
    if (subRc.err !== 0 && rc.err === 0) rc.err = subRc.err;
  }
}

function checkPath(path: string): void {
  if (typeof path !== "string" || path.length < 2 || path.charCodeAt(0) !== 0x2f) {
    throw new TreeError(ErrorCode.BADARGUMENTS);
  }
}

/**
 * DataTree.createNode: adds the node, updates its parent, the indexes and quotas, fires the watches. `hint`: the
 * parent's node as the caller found it (used while it is still in the tree, instead of a lookup).
 */
function createNode(
  s: TreeState,
  path: string,
  data: Buffer | null,
  acl: readonly ACL[],
  ephemeralOwner: bigint,
  parentCVersion: number,
  zxid: bigint,
  time: bigint,
  hint: DataNode | undefined,
): Stat {
  checkPath(path);
  const { parent: parentName, child: childName } = splitPath(path);
  if (childName.length === 0) throw new TreeError(ErrorCode.BADARGUMENTS);
  const nodes = s.nodes;
  const parent = hint !== undefined && !hint.detached ? hint : parentNode(s, parentName);
  if (!parent) throw new TreeError(ErrorCode.NONODE);
  const parentAcl = s.acls.convertLong(parent.acl);
  const aclRef = s.acls.convertAcls(acl);
  const existing = nodes.get(path);
  if (existing) {
    // As ZooKeeper: a replayed create still refreshes the ACL of the node that is there.
    s.acls.removeUsage(existing.acl);
    existing.acl = aclRef;
    throw new TreeError(ErrorCode.NODEEXISTS);
  }
  nodes.preChange(parentName, parent);
  let cv = parentCVersion;
  if (cv === -1) cv = parent.stat.cversion + 1;
  if (cv > parent.stat.cversion) {
    parent.stat.cversion = cv;
    parent.stat.pzxid = zxid;
  }
  const node = new DataNode(keepData(data), aclRef, newNodeStat(zxid, time, ephemeralOwner));
  parent.addChild(childName, node);
  nodes.postChange(parentName, parent);

  const bytes = data === null ? 0 : data.length;
  nodes.putNew(path, node); // `existing` was undefined, and nothing since added a node
  nodes.dataSize += path.length + bytes;
  s.ephemerals.add(path, ephemeralOwner);
  // Before the quota update: creating a quota's stat node rewrites the node's own data.
  const out = statOf(node, s.extended);
  s.quotas.created(path, parentName, childName, bytes);
  s.ns.countWrite(path, bytes);

  const w = s.watches;
  w.trigger(w.data, path, EventType.NodeCreated, zxid, s.acls.convertLong(node.acl), true);
  w.trigger(w.child, parentName, EventType.NodeChildrenChanged, zxid, parentAcl, false);
  return out;
}

/**
 * The node at `parentName`: the one the last create found there while it is still in the tree (a node leaves the
 * table only detached: NodeHashMap's remove, put, clear), else a lookup, remembered for the next create.
 */
function parentNode(s: TreeState, parentName: string): DataNode | undefined {
  const last = s.lastParent;
  if (last !== undefined && !last.detached && s.lastParentPath === parentName) return last;
  const p = s.nodes.get(parentName);
  if (p !== undefined) {
    s.lastParent = p;
    s.lastParentPath = parentName;
  }
  return p;
}

/**
 * DataTree.deleteNode: removes the node, updates its parent, the indexes and quotas, fires the watches. `hint`
 * and `parentHint`: the node and its parent as the caller found them (each used while it is still in the tree,
 * instead of a lookup).
 */
function deleteNode(s: TreeState, path: string, zxid: bigint, hint: DataNode | undefined, parentHint: DataNode | undefined): void {
  checkPath(path);
  const { parent: parentName, child: childName } = splitPath(path);
  const nodes = s.nodes;
  const parent = parentHint !== undefined && !parentHint.detached ? parentHint : nodes.get(parentName);
  if (!parent) throw new TreeError(ErrorCode.NONODE);
  const node = hint !== undefined && !hint.detached ? hint : nodes.get(path);
  if (node && node.numChildren > 0) throw new TreeError(ErrorCode.NOTEMPTY);
  // As ZooKeeper: the parent is touched even when the child is already gone (fuzzy snapshot replay).
  nodes.preChange(parentName, parent);
  if (node) parent.removeChild(node);
  if (zxid > parent.stat.pzxid) parent.stat.pzxid = zxid;
  nodes.postChange(parentName, parent);
  if (!node) throw new TreeError(ErrorCode.NONODE);

  const acl = s.acls.convertLong(node.acl);
  nodes.remove(path, node);
  s.acls.removeUsage(node.acl);
  const bytes = node.dataLength;
  nodes.dataSize -= path.length + bytes;
  const parentAcl = s.acls.convertLong(parent.acl);
  s.ephemerals.remove(path, node.stat.ephemeralOwner);
  s.quotas.deleted(path, parentName, childName, bytes);
  s.ns.countWrite(path, 0);

  const w = s.watches;
  const processed = w.trigger(w.data, path, EventType.NodeDeleted, zxid, acl, true);
  w.trigger(w.child, path, EventType.NodeDeleted, zxid, acl, false, processed);
  w.trigger(w.child, parentName, EventType.NodeChildrenChanged, zxid, parentAcl, false);
}

/** DataTree.setData (setData and reconfig txns); uses processTxn's node hint while that node is in the tree. */
export function setData(s: TreeState, path: string, data: Buffer | null, version: number, zxid: bigint, time: bigint): Stat {
  const h = s.hint;
  const n = h !== undefined && !h.detached ? h : s.nodes.get(path);
  if (!n) throw new TreeError(ErrorCode.NONODE);
  const last = n.data;
  s.nodes.preChange(path, n);
  n.data = keepData(data);
  n.stat.mtime = time;
  n.stat.mzxid = zxid;
  n.stat.version = version;
  s.nodes.postChange(path, n);
  const stat = statOf(n, s.extended);
  const bytes = data === null ? 0 : data.length;
  const diff = bytes - (last === null ? 0 : last.length);
  s.quotas.dataChanged(path, diff);
  s.nodes.dataSize += diff;
  s.ns.countWrite(path, bytes);
  const w = s.watches;
  w.trigger(w.data, path, EventType.NodeDataChanged, zxid, s.acls.convertLong(n.acl), true);
  return stat;
}

/** DataTree.setACL. */
export function setACL(s: TreeState, path: string, acl: readonly ACL[], version: number): Stat {
  const n = s.nodes.get(path);
  if (!n) throw new TreeError(ErrorCode.NONODE);
  s.acls.removeUsage(n.acl);
  s.nodes.preChange(path, n);
  n.stat.aversion = version;
  n.acl = s.acls.convertAcls(acl);
  s.nodes.postChange(path, n);
  return statOf(n, s.extended);
}

/** DataTree.killSession: deletes the session's ephemerals, those the txn names first. */
function killSession(s: TreeState, sessionId: bigint, zxid: bigint, paths2Delete: readonly string[] | null): void {
  const local = s.ephemerals.bySession.get(sessionId);
  s.ephemerals.bySession.delete(sessionId);
  const localCopy = local ? new Set(local) : null;
  if (paths2Delete) {
    for (const p of paths2Delete) {
      deleteQuietly(s, p, zxid);
      localCopy?.delete(p);
    }
  }
  if (localCopy) for (const p of localCopy) deleteQuietly(s, p, zxid);
}

function deleteQuietly(s: TreeState, path: string, zxid: bigint): void {
  try {
    deleteNode(s, path, zxid, undefined, undefined);
  } catch {
    // ZooKeeper logs and ignores NONODE while removing a dead session's ephemerals.
  }
}
