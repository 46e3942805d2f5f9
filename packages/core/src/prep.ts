/**
 * Prep (ZooKeeper's PrepRequestProcessor): validates a request against the tree as changed by the txns prepared
 * but not applied yet (the outstanding change records), checks sessions, ACLs and quota, and builds its txn
 * (`r.hdr`, `r.txn`; a failed write becomes an ErrorTxn that still consumes a zxid). Multi is prepared op by op
 * and rolled back as a whole.
 */
import { JuteDecodeError, type ACL, type Codec, type CreateRequest, type CreateTTLRequest, type ReconfigRequest, type TxnHeader } from "@zkts/jute";
import {
  CONTAINER_EPHEMERAL_OWNER,
  ErrorCode,
  OpCode,
  Perms,
  createModeFromFlag,
  ephemeralKind,
  isValidPath,
  isValidTtl,
  opInfo,
  requestCodec,
  ttlEphemeralOwner,
  type MultiOp,
  type MultiRequest,
  CONFIG_ZOOKEEPER,
} from "@zkts/client-wire";
import { DIGEST_VERSION, newNodeStat, nodeDigest, type ACLCheckOptions, type PreparedSubTxn } from "@zkts/datatree";
import type { Clock, Logger } from "@zkts/contracts";
import { CoreError } from "./errors.js";
import { decodeBody, readBody, requireACL, requireValidACL, type Request, type Settings } from "./request.js";
import type { SessionTracker } from "./sessions.js";
import type { ReconfigCheck } from "./types.js";
import type { Tree } from "./tree.js";
import { NO_ACL, changeRecord, childCount, statWith, type ChangeRecord } from "./change-record.js";

/** Java's String.format("%010d", n) for a negative n: sign, then zero padding to width 10 in total. */
function javaFormat010(n: number): string {
  if (n >= 0) return String(n).padStart(10, "0");
  return "-" + String(-n).padStart(9, "0");
}

export class PrepProcessor {
  /** |treeDelta| past which the deltas are folded into `digestBase` (sums stay exact Numbers, below 2^53). */
  static deltaFold = 2 ** 51;
  /** The highest zxid handed out. */
  private hzxid: bigint;
  /**
   * The pending change records in zxid order: `changes[changesHead..]`; the entries before `changesHead` were
   * applied and are dropped in batches (a head index instead of `shift()`, which costs a runtime call per record
   * once hundreds are pending).
   */
  private readonly changes: ChangeRecord[] = [];
  private changesHead = 0;
  private readonly changesForPath = new Map<string, ChangeRecord>();
  /**
   * While a multi is prepared: the changesForPath entries it replaced, as pairs laid flat (path, previous), to
   * roll back in O(ops).
   */
  private multiUndo: Array<string | ChangeRecord | undefined> | null = null;
  /**
   * recordFor's records of tree nodes: a ring of scratch records overwritten in turn, read only by the op that asked
   * (two at most at a time: a node and its parent), never stored nor added (addChange always gets a new record).
   */
  private readonly treeRecords: ChangeRecord[] = [0, 1, 2, 3].map(() => changeRecord(-1n, "", null, 0, NO_ACL, null, 0));
  private treeRecordNext = 0;
  private readonly policy: ACLCheckOptions;
  /** digest.enabled: txns carry the TxnDigest ZooKeeper 3.8 attaches, computed here as PrepRequestProcessor does. */
  private readonly digestOn: boolean;
  /** The tree digest the outstanding changes' `treeDelta`s are relative to (taken when the first of them came). */
  private digestBase = 0n;

  constructor(
    private readonly settings: Settings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly tree: Tree,
    private readonly tracker: SessionTracker,
  ) {
    this.policy = { skipACL: settings.skipACL, schemes: settings.schemes };
    this.hzxid = tree.lastProcessedZxid;
    this.digestOn = tree.isDigestEnabled;
  }

  /** Leader: the next txn gets zxid `zxid + 1` (ZAB: the new epoch's first counter). */
  setLastProposedZxid(zxid: bigint): void {
    this.hzxid = zxid;
  }

  /** Whether no change is pending at all. */
  get noPendingChanges(): boolean {
    return this.changesForPath.size === 0;
  }

  /** Whether a txn prepared and not applied yet changes `path`. */
  hasPendingChange(path: string): boolean {
    return this.changesForPath.has(path);
  }

  /** The txn with `zxid` was applied: its change records (and older ones) are no longer pending. */
  applied(zxid: bigint): void {
    const changes = this.changes;
    let head = this.changesHead;
    while (head < changes.length && changes[head]!.zxid <= zxid) {
      const c = changes[head++]!;
      if (this.changesForPath.get(c.path) === c) this.changesForPath.delete(c.path);
    }
    if (head === changes.length) {
      changes.length = 0;
      head = 0;
    } else if (head >= PrepProcessor.compactAt) {
      changes.splice(0, head);
      head = 0;
    }
    this.changesHead = head;
  }

  /** Applied records kept before `changesHead` at most (then dropped in one splice). */
  static compactAt = 1024;

  /**
   * The txn with `zxid` failed to become durable: its change records and those of every later txn are dropped
   * (the txn log fails every txn queued behind a failed one, so nothing prepared on top of them survives).
   */
  dropFrom(zxid: bigint): void {
    const pending = this.changes.slice(this.changesHead);
    const kept = pending.filter((c) => c.zxid < zxid);
    if (kept.length !== pending.length) {
      this.changes.length = 0;
      this.changesHead = 0;
      this.changes.push(...kept);
      this.changesForPath.clear();
      for (const c of kept) this.changesForPath.set(c.path, c);
    }
  }

  prepare(r: Request): void {
    if (!opInfo(r.type).write) {
      // reads only check the session
      try {
        this.checkClientSession(r);
      } catch (e) {
        if (e instanceof CoreError) r.error = e;
        else throw e;
      }
      return;
    }
    const first = this.changes.length;
    try {
      switch (r.type) {
        case OpCode.multi:
          this.prepareMulti(r);
          break;
        case OpCode.createSession:
          r.hdr = this.txnHeader(r, this.nextZxid(), r.type);
          r.txn = { timeOut: r.connectTimeout ?? (r.body.length >= 4 ? r.body.readInt32BE(0) : 0) };
          break;
        case OpCode.closeSession:
          r.hdr = this.txnHeader(r, this.nextZxid(), r.type);
          this.prepareCloseSession(r);
          break;
        case OpCode.reconfig:
          this.prepareReconfig(r);
          break;
        default:
          this.prepareOp(r.type, this.nextZxid(), r, undefined);
      }
      // PrepRequestProcessor.setTxnDigest: every txn prepared without error (a failed multi too, createSession, check)
      // carries the tree digest it leaves (the last pending change's, else the tree's); its records go to the apply.
      if (this.digestOn && r.hdr !== null) {
        r.txnDigest = { version: DIGEST_VERSION, treeDigest: BigInt.asIntN(64, this.currentTreeDigest()) };
        if (this.changes.length > first) r.digests = this.changes.slice(first);
      }
    } catch (e) {
      const code = e instanceof CoreError ? e.code : ErrorCode.MARSHALLINGERROR;
      if (!(e instanceof CoreError) && !(e instanceof JuteDecodeError)) {
        this.logger.error("failed to prepare request", { type: r.type, error: String(e) });
      }
      r.error = e instanceof CoreError ? e : new CoreError(code);
      r.txnDigest = null; // an error txn has none (ZooKeeper sets it only once the op is prepared)
      if (r.hdr !== null) {
        r.hdr = { ...r.hdr, type: OpCode.error };
        r.txn = { err: code };
      }
    }
  }

  /** Leader: the ensemble's reconfig checks (EnsembleRole `reconfig`); absent on standalone servers and learners. */
  reconfigCheck: ReconfigCheck | undefined;

  /**
   * PrepRequestProcessor's reconfig case, in its order: the body is decoded before a zxid is taken; then
   * reconfigEnabled (RECONFIGDISABLED), the session, a standalone server (UNIMPLEMENTED), the ensemble's checks
   * (RECONFIGINPROGRESS, BADVERSION, BADARGUMENTS, NEWCONFIGNOQUORUM), WRITE on /zookeeper/config (NOAUTH: only
   * the super user, or skipACL). A request that passes them all becomes a reconfig txn (TxnHeader type 16): a
   * SetDataTxn on /zookeeper/config with the new config's text and version -1, as ZooKeeper proposes it.
   */
  private prepareReconfig(r: Request): void {
    const req = readBody<ReconfigRequest>(r, this.settings.maxBuffer);
    r.hdr = this.txnHeader(r, this.nextZxid(), r.type);
    if (!this.settings.reconfigEnabled) throw new CoreError(ErrorCode.RECONFIGDISABLED);
    this.checkClientSession(r);
    if (this.reconfigCheck === undefined) throw new CoreError(ErrorCode.UNIMPLEMENTED);
    const data = this.reconfigCheck(req, r.hdr.zxid);
    const node = this.recordFor(CONFIG_ZOOKEEPER);
    requireACL(this.policy, node.acl, Perms.WRITE, r.authInfo, CONFIG_ZOOKEEPER);
    r.txn = { path: CONFIG_ZOOKEEPER, data, version: -1 };
    const ns = node.stat!;
    const zxid = r.hdr.zxid;
    // the node's change record gets version -1 (PrepRequestProcessor: nodeRecord.stat.setVersion(-1))
    this.addChange(changeRecord(zxid, CONFIG_ZOOKEEPER, statWith(ns, ns.czxid, zxid, ns.ctime, r.hdr.time, -1, ns.cversion, ns.aversion, ns.pzxid), node.childCount, node.acl, data, 0, node.node), node.nodeDigest); // under /zookeeper/: digest 0
  }

  private nextZxid(): bigint {
    this.hzxid += 1n;
    return this.hzxid;
  }

  private txnHeader(r: Request, zxid: bigint, type: number): TxnHeader {
    const now = this.clock.now();
    if (now !== this.lastNow) {
      this.lastTime = BigInt(now); // one BigInt per millisecond
      this.lastNow = now;
    }
    return { clientId: r.sessionId, cxid: r.xid, zxid, time: this.lastTime, type };
  }

  private lastNow = Number.NaN;
  private lastTime = 0n;

  /**
   * PrepRequestProcessor's sessionTracker.checkSession, for a client's request: local (it has a connection) or
   * forwarded by a learner. A closing or unknown session's write becomes an error txn, so nothing (an ephemeral
   * above all) is created for a session already closed. The server's own requests (expiry, reaper) are not
   * checked.
   */
  private checkClientSession(r: Request): void {
    if (r.cs !== null || r.remote === true) this.checkSession(r.sessionId);
  }

  private checkSession(sessionId: bigint): void {
    const s = this.tracker.get(sessionId);
    if (s === undefined) throw new CoreError(ErrorCode.UNKNOWNSESSION);
    if (s.closing) throw new CoreError(ErrorCode.SESSIONEXPIRED);
  }

  private recordFor(path: string): ChangeRecord {
    const c = this.changesForPath.get(path);
    if (c !== undefined) {
      if (c.stat === null) throw new CoreError(ErrorCode.NONODE, path);
      return c;
    }
    const n = this.tree.getNode(path);
    if (n === undefined) throw new CoreError(ErrorCode.NONODE, path);
    const t = this.treeRecords[this.treeRecordNext]!;
    this.treeRecordNext = (this.treeRecordNext + 1) & 3;
    t.path = path;
    t.stat = n.stat;
    t.childCount = childCount(n);
    t.acl = this.tree.getACLOf(n);
    t.data = n.data;
    t.nodeDigest = this.digestOn ? (n.digest ?? nodeDigest(path, n.data, n.stat)) : 0;
    t.node = n;
    return t;
  }

  /** getCurrentTreeDigest: the tree digest once every outstanding change is applied. */
  private currentTreeDigest(): bigint {
    const n = this.changes.length;
    return n === this.changesHead ? this.tree.digest() : this.digestBase + BigInt(this.changes[n - 1]!.treeDelta);
  }

  /** Whether `path` exists once the pending changes are applied (recordFor without building an exception). */
  private existsPending(path: string): boolean {
    const c = this.changesForPath.get(path);
    if (c !== undefined) return c.stat !== null;
    return this.tree.getNode(path) !== undefined;
  }

  /** Pending changes of a delete (and deleteContainer): the parent loses a child, its pzxid moves; the node goes. */
  private addDeleteChanges(parent: ChangeRecord, node: ChangeRecord, path: string, zxid: bigint): void {
    const ps = parent.stat!;
    this.addChange(
      changeRecord(zxid, parent.path, statWith(ps, ps.czxid, ps.mzxid, ps.ctime, ps.mtime, ps.version, ps.cversion, ps.aversion, zxid), parent.childCount - 1, parent.acl, parent.data, 0, parent.node),
      parent.nodeDigest,
    );
    this.addChange(changeRecord(zxid, path, null, -1, NO_ACL, null, 0), node.nodeDigest);
  }

  /**
   * addChangeRecord, with precalculateDigest: `c` replaces a node whose digest was `prevDigest` (0 for a node
   * created); its own digest (0 for a removal) and the tree digest after it are filled in here.
   */
  private addChange(c: ChangeRecord, prevDigest: number): void {
    if (this.digestOn) {
      const d = c.stat === null ? 0 : nodeDigest(c.path, c.data, c.stat);
      c.nodeDigest = d;
      const n = this.changes.length;
      let delta = d - prevDigest;
      if (n === this.changesHead) this.digestBase = this.tree.digest();
      else delta += this.changes[n - 1]!.treeDelta;
      const fold = PrepProcessor.deltaFold;
      if (delta > fold || delta < -fold) {
        // fold into the base (rare: the outstanding changes never all applied meanwhile)
        this.digestBase += BigInt(delta);
        for (let k = this.changesHead; k < n; k++) this.changes[k]!.treeDelta -= delta;
        delta = 0;
      }
      c.treeDelta = delta;
    }
    this.changes.push(c);
    if (this.multiUndo !== null) this.multiUndo.push(c.path, this.changesForPath.get(c.path));
    this.changesForPath.set(c.path, c);
  }

  private checkVersion(current: number, expected: number, path: string): number {
    if (expected !== -1 && expected !== current) throw new CoreError(ErrorCode.BADVERSION, path);
    return current + 1;
  }

  private validatePath(path: string): void {
    if (!isValidPath(path)) throw new CoreError(ErrorCode.BADARGUMENTS, path);
  }

  /** getParentPathAndValidate: no slash, NUL, or a special path (/, /zookeeper, ...) -> BADARGUMENTS. */
  private parentForDelete(path: string): string {
    const slash = path.lastIndexOf("/");
    if (slash < 0 || path.includes("\0") || this.isSpecialPath(path)) {
      throw new CoreError(ErrorCode.BADARGUMENTS, path);
    }
    return slash === 0 ? "/" : path.slice(0, slash);
  }

  private isSpecialPath(path: string): boolean {
    return path === "/" || path === "/zookeeper" || path === "/zookeeper/quota" || path === "/zookeeper/config";
  }

  /** Decodes `r`'s body (or uses the multi op's record) and builds the txn. Throws CoreError. */
  private prepareOp(type: number, zxid: bigint, r: Request, record: unknown): void {
    if (r.hdr === null) r.hdr = this.txnHeader(r, zxid, type);
    switch (type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
        return this.prepareCreate(type, zxid, r, this.opBody<CreateRequest | CreateTTLRequest>(type, r, record));
      case OpCode.deleteContainer:
        return this.prepareDeleteContainer(zxid, r, record);
      case OpCode.delete:
        return this.prepareDelete(zxid, r, record);
      case OpCode.setData:
        return this.prepareSetData(zxid, r, record);
      case OpCode.setACL:
        return this.prepareSetACL(zxid, r, record);
      case OpCode.check:
        return this.prepareCheck(r, record);
      default:
        throw new CoreError(ErrorCode.MARSHALLINGERROR);
    }
  }

  private prepareDeleteContainer(zxid: bigint, r: Request, record: unknown): void {
    const path = record !== undefined ? (record as { path: string }).path : r.body.toString("utf8");
    const parent = this.parentForDelete(path);
    const node = this.recordFor(path);
    if (node.childCount > 0) throw new CoreError(ErrorCode.NOTEMPTY, path);
    if (this.ephemeralType(node.stat!.ephemeralOwner) === "normal") throw new CoreError(ErrorCode.BADVERSION, path);
    const p = this.recordFor(parent);
    r.txn = { path };
    this.addDeleteChanges(p, node, path, zxid);
  }

  private prepareDelete(zxid: bigint, r: Request, record: unknown): void {
    this.checkClientSession(r);
    const req = this.opBody<{ path: string; version: number }>(OpCode.delete, r, record);
    const path = req.path;
    const parent = this.parentForDelete(path);
    const p = this.recordFor(parent);
    requireACL(this.policy, p.acl, Perms.DELETE, r.authInfo, path);
    const node = this.recordFor(path);
    this.checkVersion(node.stat!.version, req.version, path);
    if (node.childCount > 0) throw new CoreError(ErrorCode.NOTEMPTY, path);
    r.txn = { path };
    if (r.type === OpCode.delete) {
      // spares applying it the lookups of the node and its parent
      r.node = node.node;
      r.parent = p.node;
    }
    this.addDeleteChanges(p, node, path, zxid);
  }

  private prepareSetData(zxid: bigint, r: Request, record: unknown): void {
    this.checkClientSession(r);
    const req = this.opBody<{ path: string; data: Buffer | null; version: number }>(OpCode.setData, r, record);
    const path = req.path;
    this.validatePath(path);
    const node = this.recordFor(path);
    if (r.type === OpCode.setData) r.node = node.node; // spares applying it a second lookup
    requireACL(this.policy, node.acl, Perms.WRITE, r.authInfo, path);
    this.checkQuota(path, node.data, req.data, false);
    const version = this.checkVersion(node.stat!.version, req.version, path);
    r.txn = { path, data: req.data, version };
    const ns = node.stat!;
    this.addChange(
      changeRecord(zxid, path, statWith(ns, ns.czxid, zxid, ns.ctime, r.hdr!.time, version, ns.cversion, ns.aversion, ns.pzxid), node.childCount, node.acl, req.data, 0, node.node),
      node.nodeDigest,
    );
  }

  private prepareSetACL(zxid: bigint, r: Request, record: unknown): void {
    this.checkClientSession(r);
    const req = this.opBody<{ path: string; acl: ACL[]; version: number }>(OpCode.setACL, r, record);
    const path = req.path;
    this.validatePath(path);
    const acl = requireValidACL(path, r.authInfo, req.acl, this.policy);
    const node = this.recordFor(path);
    requireACL(this.policy, node.acl, Perms.ADMIN, r.authInfo, path);
    const version = this.checkVersion(node.stat!.aversion, req.version, path);
    r.txn = { path, acl, version };
    const ns = node.stat!;
    this.addChange(
      changeRecord(zxid, path, statWith(ns, ns.czxid, ns.mzxid, ns.ctime, ns.mtime, ns.version, ns.cversion, version, ns.pzxid), node.childCount, node.acl, node.data, 0, node.node),
      node.nodeDigest,
    );
  }

  private prepareCheck(r: Request, record: unknown): void {
    this.checkClientSession(r);
    const req = this.opBody<{ path: string; version: number }>(OpCode.check, r, record);
    const path = req.path;
    this.validatePath(path);
    const node = this.recordFor(path);
    requireACL(this.policy, node.acl, Perms.READ, r.authInfo, path);
    r.txn = { path, version: this.checkVersion(node.stat!.version, req.version, path) };
  }

  /** The request record of a write: the multi op's record, or `r.body` decoded. Throws MARSHALLINGERROR. */
  private opBody<T>(type: number, r: Request, record: unknown): T {
    if (record !== undefined) return record as T;
    const codec = requestCodec(type);
    if (codec === undefined || codec === null) throw new CoreError(ErrorCode.MARSHALLINGERROR);
    try {
      // views: the data goes to the txn log (encoded now) and into the tree as the copy keepData makes
      return decodeBody(codec, r.body, this.settings.maxBuffer, true) as T;
    } catch {
      throw new CoreError(ErrorCode.MARSHALLINGERROR);
    }
  }

  private ephemeralType(owner: bigint): "void" | "normal" | "container" | "ttl" {
    return ephemeralKind(owner, this.settings.extendedTypes);
  }

  private prepareCreate(type: number, zxid: bigint, r: Request, req: CreateRequest | CreateTTLRequest): void {
    const ttl = type === OpCode.createTTL ? (req as CreateTTLRequest).ttl : -1n;
    const mode = createModeFromFlag(req.flags);
    if (mode === undefined) throw new CoreError(ErrorCode.BADARGUMENTS, req.path);
    // validateCreateRequest
    if (mode.ttl && !this.settings.extendedTypes) throw new CoreError(ErrorCode.UNIMPLEMENTED);
    if (mode.ttl ? !isValidTtl(ttl) : ttl >= 0n) throw new CoreError(ErrorCode.BADARGUMENTS, req.path);
    this.checkClientSession(r);
    // validatePathForCreate
    let path = req.path;
    const slash = path.lastIndexOf("/");
    if (slash < 0 || path.includes("\0")) throw new CoreError(ErrorCode.BADARGUMENTS, path);
    const parentPath = slash === 0 ? "/" : path.slice(0, slash);
    const acl = requireValidACL(path, r.authInfo, req.acl, this.policy);
    const parent = this.recordFor(parentPath);
    requireACL(this.policy, parent.acl, Perms.CREATE, r.authInfo, path);
    const parentCVersion = parent.stat!.cversion;
    if (mode.sequential) path = path + javaFormat010(parentCVersion);
    this.validatePath(path);
    if (this.existsPending(path)) throw new CoreError(ErrorCode.NODEEXISTS, path);
    if (this.ephemeralType(parent.stat!.ephemeralOwner) === "normal") {
      throw new CoreError(ErrorCode.NOCHILDRENFOREPHEMERALS, path);
    }
    const newCversion = parent.stat!.cversion + 1;
    this.checkQuota(path, null, req.data, true);
    if (type === OpCode.createContainer) {
      r.txn = { path, data: req.data, acl, parentCVersion: newCversion };
    } else if (type === OpCode.createTTL) {
      r.txn = { path, data: req.data, acl, parentCVersion: newCversion, ttl };
    } else {
      r.txn = { path, data: req.data, acl, ephemeral: mode.ephemeral, parentCVersion: newCversion };
    }
    // the owner the txn built above gives the node when applied (a CreateContainerTxn makes a container whatever
    // the flags said; a CreateTxn with container flags a persistent node), so that the digest is the applied one's
    let owner = 0n;
    if (type === OpCode.createContainer) owner = CONTAINER_EPHEMERAL_OWNER;
    else if (type === OpCode.createTTL) owner = ttlEphemeralOwner(ttl);
    else if (mode.ephemeral) owner = r.sessionId;
    const time = r.hdr!.time;
    const stat = newNodeStat(zxid, time, owner);
    const ps = parent.stat!;
    this.addChange(
      changeRecord(zxid, parentPath, statWith(ps, ps.czxid, ps.mzxid, ps.ctime, ps.mtime, ps.version, newCversion, ps.aversion, zxid), parent.childCount + 1, parent.acl, parent.data, 0, parent.node),
      parent.nodeDigest,
    );
    if (r.type === type) r.parent = parent.node; // not a multi's op: spares applying it a lookup of the parent
    this.addChange(changeRecord(zxid, path, stat, 0, acl, req.data, 0), 0);
  }

  private prepareCloseSession(r: Request): void {
    const es = new Set(this.tree.ephemerals(r.sessionId));
    for (let k = this.changesHead; k < this.changes.length; k++) {
      const c = this.changes[k]!;
      if (c.stat === null) es.delete(c.path);
      else if (c.stat.ephemeralOwner === r.sessionId) es.add(c.path);
    }
    const zxid = r.hdr!.zxid;
    for (const p of es) {
      const node = this.digestOn ? this.recordFor(p) : null;
      if (this.digestOn) {
        // ZooKeeper (digest.enabled only): the parent's pzxid moves (its child count is left as it was)
        const slash = p.lastIndexOf("/");
        const parent = this.recordFor(slash === 0 ? "/" : p.slice(0, slash));
        const ps = parent.stat!;
        this.addChange(
          changeRecord(zxid, parent.path, statWith(ps, ps.czxid, ps.mzxid, ps.ctime, ps.mtime, ps.version, ps.cversion, ps.aversion, zxid), parent.childCount, parent.acl, parent.data, 0, parent.node),
          parent.nodeDigest,
        );
      }
      this.addChange(changeRecord(zxid, p, null, 0, NO_ACL, null, 0), node === null ? 0 : node.nodeDigest);
    }
    r.txn = { paths2Delete: [...es] };
    this.tracker.setClosing(r.sessionId);
  }

  private prepareMulti(r: Request): void {
    let multi: MultiRequest;
    try {
      multi = decodeBody(requestCodec(OpCode.multi) as Codec<MultiRequest>, r.body, this.settings.maxBuffer, true);
    } catch {
      r.hdr = this.txnHeader(r, this.nextZxid(), OpCode.multi);
      throw new CoreError(ErrorCode.MARSHALLINGERROR);
    }
    const zxid = this.nextZxid();
    // one header (one time) for the whole multi: its sub-ops' stats (ctime/mtime, and so the digest) use its time
    const hdr = this.txnHeader(r, zxid, OpCode.multi);
    r.hdr = hdr;
    for (const op of multi.ops) {
      if (op.type === OpCode.getData || op.type === OpCode.getChildren) {
        // a read op in a multi: ZooKeeper fails the whole request (MARSHALLINGERROR, zxid consumed)
        throw new CoreError(ErrorCode.MARSHALLINGERROR);
      }
    }
    const savedLen = this.changes.length;
    const undo: Array<string | ChangeRecord | undefined> = [];
    this.multiUndo = undo;
    try {
      r.txn = { txns: this.prepareMultiOps(r, multi.ops as MultiOp[], zxid, savedLen, undo) };
    } finally {
      this.multiUndo = null;
    }
    r.hdr = hdr;
  }

  /** The sub-ops of a multi, each prepared in turn; after a failed one, every change record of the multi is undone. */
  private prepareMultiOps(r: Request, ops: MultiOp[], zxid: bigint, savedLen: number, undo: Array<string | ChangeRecord | undefined>): PreparedSubTxn[] {
    const txns: PreparedSubTxn[] = [];
    let failed: CoreError | null = null;
    for (const op of ops) {
      let type: number;
      let txn: unknown;
      if (failed !== null) {
        type = OpCode.error;
        txn = { err: ErrorCode.RUNTIMEINCONSISTENCY };
      } else {
        try {
          this.prepareOp(op.type, zxid, r, op.body);
          type = op.type;
          txn = r.txn;
        } catch (e) {
          failed = e instanceof CoreError ? e : new CoreError(ErrorCode.MARSHALLINGERROR);
          type = OpCode.error;
          txn = { err: failed.code };
          r.error = failed;
          // roll back the change records of this multi
          this.changes.length = savedLen;
          for (let k = undo.length - 2; k >= 0; k -= 2) {
            const path = undo[k] as string;
            const prev = undo[k + 1] as ChangeRecord | undefined;
            if (prev === undefined) this.changesForPath.delete(path);
            else this.changesForPath.set(path, prev);
          }
          undo.length = 0;
        }
      }
      // `record`, no `data`: applied as is, written in place by the txn log (client-wire's MultiTxn codec)
      txns.push({ type, data: null, record: txn });
    }
    return txns;
  }

  private checkQuota(path: string, lastData: Buffer | null, data: Buffer | null, isCreate: boolean): void {
    if (!this.settings.enforceQuota) return;
    const dataBytes = data === null ? 0 : data.length;
    const bytesDelta = isCreate ? dataBytes : dataBytes - (lastData === null ? 0 : lastData.length);
    const q = this.tree.checkQuota(path, bytesDelta, isCreate ? 1 : 0);
    if (q.message !== undefined) this.logger.warn(q.message);
    if (!q.ok) throw new CoreError(ErrorCode.QUOTAEXCEEDED, q.prefix);
  }
}
