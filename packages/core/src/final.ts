/**
 * Final (ZooKeeper's FinalRequestProcessor): applies a request's txn to the tree (DataTree.processTxn), then
 * answers it. The reply body of each opcode comes from a table of small responders (RESPONDERS); the reply is
 * framed in one reused archive. A txn the txn log failed is never applied: SYSTEMERROR, or the connection closes.
 */
import { JuteDecodeError, OutputArchive, ReplyHeader, zeroStat, type Codec, type Stat, type TxnDigest, type TxnHeader } from "@zkts/jute";
import { CONFIG_ZOOKEEPER, ErrorCode, OpCode, Perms, opInfo, type MultiRequest, type OpResult } from "@zkts/client-wire";
import { checkACL, userOf, type ACLCheckOptions } from "@zkts/datatree";
import type { Clock, Logger } from "@zkts/contracts";
import type { Connections } from "./connections.js";
import { CoreError } from "./errors.js";
import type { PrepProcessor } from "./prep.js";
import { readBody, requireACL, type ConnState, type Request, type Settings } from "./request.js";
import type { ServerStats } from "./server-info.js";
import type { SessionLayer } from "./session-layer.js";
import type { SessionTracker } from "./sessions.js";
import type { Tree, TxnResult } from "./tree.js";

/** The reply record of an opcode (the opcode table's response column; null: header only). */
function codec(type: number): Codec<any> | null {
  return opInfo(type).response ?? null;
}

/** A reply body: the response record and its codec. */
export interface Reply {
  codec: Codec<any> | null;
  value: unknown;
}

/** An error reply that still carries a body (ZooKeeper serialises a response record it had already built). */
class ErrorWithBody extends CoreError {
  constructor(
    code: number,
    readonly codec: Codec<any> | null,
    readonly body: unknown,
  ) {
    super(code);
  }
}

export class FinalProcessor {
  readonly policy: ACLCheckOptions;
  /** An ensemble member's active config text (EnsembleRole `activeConfig`), a reconfig's answer. */
  activeConfig: (() => Buffer) | undefined;
  /** Scratch archive for replies (finish); its bytes are copied out before anything else can write to it. */
  private readonly replyOut = new OutputArchive(1024);
  /**
   * The reply and response records of the write responders (create, create2, setData, setACL, check), reused:
   * finish writes a responder's reply into `replyOut` before anything else runs, and nothing keeps it.
   */
  private readonly scratchReply: Reply = { codec: null, value: null };
  readonly scratchStat: { stat: Stat } = { stat: zeroStat() };
  readonly scratchPath: { path: string } = { path: "" };
  readonly scratchPathStat: { path: string; stat: Stat } = { path: "", stat: zeroStat() };

  /** The reused reply (see scratchReply) set to `codec` and `value`. */
  reply(codec: Codec<any> | null, value: unknown): Reply {
    const rsp = this.scratchReply;
    rsp.codec = codec;
    rsp.value = value;
    return rsp;
  }

  constructor(
    private readonly settings: Settings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly tree: Tree,
    private readonly tracker: SessionTracker,
    private readonly prep: PrepProcessor,
    private readonly conns: Connections,
    private readonly stats: ServerStats,
    private readonly sessions: SessionLayer,
  ) {
    this.policy = { skipACL: settings.skipACL, schemes: settings.schemes };
  }

  private applyTxn(r: Request): TxnResult | null {
    if (r.hdr === null) return null;
    const hdr = r.hdr;
    const rc = this.tree.processTxn(hdr, r.txn, r.node, r.parent, r.digests);
    if (r.txnDigest !== null) this.checkDigest(hdr, r.txnDigest);
    if (hdr.type === OpCode.closeSession) {
      this.tracker.remove(r.sessionId);
    }
    this.prep.applied(hdr.zxid);
    return rc;
  }

  /**
   * DataTree.compareDigest after a txn was applied (here, or as a learner, the leader's txn): a mismatch is
   * logged (the first one with its txn, then once per 1000) and counted in mntr's digest_mismatches_count;
   * applying goes on, as in ZooKeeper.
   */
  checkDigest(hdr: TxnHeader, digest: TxnDigest | null | undefined): void {
    if (this.tree.compareDigest(digest)) return;
    const c = this.stats.digestMismatches;
    c.inc();
    if (c.total === 1 || c.total % 1000 === 0) {
      this.logger.error("Digest mismatch: the tree's digest differs from the one the txn carries", {
        zxid: `0x${hdr.zxid.toString(16)}`,
        type: hdr.type,
        expected: String(digest!.treeDigest),
        actual: String(this.tree.digest()),
        mismatches: c.total,
      });
    }
  }

  /** A txn the txn log failed: undo what prepare did to sessions, answer SYSTEMERROR (or close), apply nothing. */
  private finishFailed(r: Request): void {
    const now = this.clock.monotonic();
    if (r.type === OpCode.closeSession) {
      // the session lives on and expires (again) later, when the log may accept the closeSession
      this.tracker.reopen(r.sessionId, now);
    } else if (r.type === OpCode.createSession) {
      this.tracker.remove(r.sessionId);
      if (r.cs !== null && this.conns.owners.get(r.sessionId) === r.cs) this.conns.owners.delete(r.sessionId);
    }
    const cs = r.cs;
    if (cs === null) return;
    this.stats.requestDone(cs);
    if (cs.closed) return;
    if (r.type === OpCode.createSession || r.type === OpCode.closeSession) {
      this.conns.close(cs, "txn log write failed");
      return;
    }
    this.stats.record(cs, r, opInfo(r.type).lastOp, this.tree.lastProcessedZxid);
    const out = new OutputArchive(16);
    ReplyHeader.write(out, { xid: r.xid, zxid: this.tree.lastProcessedZxid, err: ErrorCode.SYSTEMERROR });
    this.conns.send(cs, out.toBuffer());
  }

  /** Applies `r` (unless a learner's leader already did) and answers it. */
  finish(r: Request): void {
    if (r.sinkError !== undefined) return this.finishFailed(r);
    const rc = r.forwarded === true ? (r.rc ?? null) : this.applyTxn(r);
    if (r.type === OpCode.closeSession && r.cs === null) {
      // expiry: close the session's connection, no reply
      this.conns.closeOwner(r.sessionId, "session expired");
      return;
    }
    const cs = r.cs;
    if (cs === null) return;
    this.stats.requestDone(cs);
    if (cs.closed) return;
    const lastZxid = this.tree.lastProcessedZxid;
    const lastOp = opInfo(r.type).lastOp;
    if (r.type === OpCode.createSession) {
      this.stats.record(cs, r, lastOp, lastZxid);
      this.sessions.finishSessionInit(cs, r.error === null);
      return;
    }
    let err = 0;
    let rsp: Reply | null = null;
    let xid = r.xid;
    try {
      if (r.hdr !== null && r.hdr.type === OpCode.error) {
        throw r.error ?? new CoreError((r.txn as { err: number }).err);
      }
      // a prepared multi carries its failure in its results; one refused before prep (no txn) does not
      if (r.error !== null && (r.type !== OpCode.multi || r.hdr === null)) throw r.error;
      const responder = RESPONDERS.get(r.type);
      rsp = responder === undefined ? null : responder(this, r, cs, rc);
      if (r.type === OpCode.ping) {
        xid = -2;
      }
    } catch (e) {
      if (e instanceof ErrorWithBody) {
        err = e.code;
        rsp = { codec: e.codec, value: e.body };
      } else if (e instanceof CoreError) err = e.code;
      else {
        if (!(e instanceof JuteDecodeError)) this.logger.error("failed to process request", { error: String(e) });
        err = ErrorCode.MARSHALLINGERROR;
      }
      if (!(e instanceof ErrorWithBody)) rsp = null;
    }
    this.stats.record(cs, r, lastOp, lastZxid);
    // 3.8.0: a successful standalone check gets no reply at all (observed on the reference server).
    if (r.type === OpCode.check && err === 0) return;
    // One reused archive: length prefix, ReplyHeader {xid, zxid, err}, body; copied out once, exactly sized.
    const out = this.replyOut;
    out.reset();
    const mark = out.beginFrame();
    out.writeInt(xid);
    out.writeLong(lastZxid);
    out.writeInt(err);
    if (rsp !== null && rsp.codec !== null) rsp.codec.write(out, rsp.value);
    out.endFrame(mark);
    this.conns.sendFrameCopy(cs, out.view());
    if (r.type === OpCode.closeSession) this.conns.close(cs, "client closed session");
  }

  read<T>(r: Request): T {
    return readBody<T>(r, this.settings.maxBuffer);
  }

  getDataOp(cs: ConnState, r: Request, req: { path: string; watch: boolean }) {
    const n = this.tree.getNode(req.path);
    if (n === undefined) throw new CoreError(ErrorCode.NONODE, req.path);
    requireACL(this.policy, this.tree.getACLOf(n), Perms.READ, r.authInfo, req.path);
    const res = this.tree.getData(req.path, req.watch ? cs.watcher : undefined);
    if (res === null) throw new CoreError(ErrorCode.NONODE, req.path);
    return res;
  }

  getChildrenOp(cs: ConnState, r: Request, req: { path: string; watch: boolean }) {
    const n = this.tree.getNode(req.path);
    if (n === undefined) throw new CoreError(ErrorCode.NONODE, req.path);
    requireACL(this.policy, this.tree.getACLOf(n), Perms.READ, r.authInfo, req.path);
    const res = this.tree.getChildren(req.path, req.watch ? cs.watcher : undefined);
    if (res === null) throw new CoreError(ErrorCode.NONODE, req.path);
    return res;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The reply body of each opcode, for a request that did not fail in prepare. Responders throw CoreError.

type Responder = (f: FinalProcessor, r: Request, cs: ConnState, rc: TxnResult | null) => Reply | null;

const none: Responder = () => null;

function multiResults(rc: TxnResult | null): OpResult[] {
  const results: OpResult[] = [];
  for (const sub of rc?.multiResult ?? []) {
    switch (sub.type) {
      case OpCode.check:
        results.push({ type: OpCode.check, err: 0, body: null });
        break;
      case OpCode.create:
        results.push({ type: OpCode.create, err: 0, body: { path: sub.path ?? "" } });
        break;
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
        results.push({ type: OpCode.create2, err: 0, body: { path: sub.path ?? "", stat: sub.stat ?? zeroStat() } });
        break;
      case OpCode.delete:
      case OpCode.deleteContainer:
        results.push({ type: OpCode.delete, err: 0, body: null });
        break;
      case OpCode.setData:
        results.push({ type: OpCode.setData, err: 0, body: { stat: sub.stat ?? zeroStat() } });
        break;
      case OpCode.error:
        results.push({ type: OpCode.error, err: sub.err, body: { err: sub.err } });
        break;
      default:
        throw new CoreError(ErrorCode.MARSHALLINGERROR);
    }
  }
  return results;
}

const multi: Responder = (_f, _r, _cs, rc) => ({ codec: codec(OpCode.multi), value: { results: multiResults(rc) } });

const multiRead: Responder = (f, r, cs) => {
  const req = f.read<MultiRequest>(r);
  const results: OpResult[] = [];
  for (const op of req.ops) {
    try {
      if (op.type === OpCode.getData) {
        const d = f.getDataOp(cs, r, op.body);
        results.push({ type: OpCode.getData, err: 0, body: d });
      } else if (op.type === OpCode.getChildren) {
        const c = f.getChildrenOp(cs, r, op.body);
        results.push({ type: OpCode.getChildren, err: 0, body: { children: c.children } });
      } else {
        // FinalRequestProcessor has already built an (empty) MultiResponse: it goes out with err -5.
        throw new ErrorWithBody(ErrorCode.MARSHALLINGERROR, codec(OpCode.multiRead), { results: [] });
      }
    } catch (e) {
      if (e instanceof ErrorWithBody || !(e instanceof CoreError)) throw e;
      results.push({ type: OpCode.error, err: e.code, body: { err: e.code } });
    }
  }
  return { codec: codec(OpCode.multiRead), value: { results } };
};

const created: Responder = (f, r, _cs, rc) => {
  const v = f.scratchPath;
  v.path = rc?.path ?? "";
  return f.reply(codec(r.type), v);
};

const created2: Responder = (f, r, _cs, rc) => {
  const v = f.scratchPathStat;
  v.path = rc?.path ?? "";
  v.stat = rc?.stat ?? zeroStat();
  return f.reply(codec(r.type), v);
};

const deleted: Responder = (_f, _r, _cs, rc) => {
  if (rc !== null && rc.err !== 0) throw new CoreError(rc.err);
  return null;
};

const statReply: Responder = (f, r, _cs, rc) => {
  if (rc !== null && rc.err !== 0) throw new CoreError(rc.err);
  const v = f.scratchStat;
  v.stat = rc?.stat ?? zeroStat();
  return f.reply(codec(r.type), v);
};

/**
 * FinalRequestProcessor's reconfig case: GetDataResponse(the member's active config's text, the stat of
 * /zookeeper/config after the txn). The config became the active one before this txn is answered; its text may
 * list the servers in another order than the txn's (a learner parsed it; the leader keeps the map it built).
 * Without an ensemble role, the node's data.
 */
const reconfigReply: Responder = (f, r, _cs, rc) => {
  if (rc !== null && rc.err !== 0) throw new CoreError(rc.err);
  const data = f.activeConfig?.() ?? f.tree.getNode(CONFIG_ZOOKEEPER)?.data ?? Buffer.alloc(0);
  return { codec: codec(r.type), value: { data, stat: rc?.stat ?? zeroStat() } };
};

const sync: Responder = (f, r) => ({ codec: codec(r.type), value: { path: f.read<{ path: string }>(r).path } });

const exists: Responder = (f, r, cs) => {
  const req = f.read<{ path: string; watch: boolean }>(r);
  if (req.path.includes("\0")) throw new CoreError(ErrorCode.BADARGUMENTS);
  // ZooKeeper checks no ACL for exists: a node's Stat is visible to everyone.
  const stat = f.tree.exists(req.path, req.watch ? cs.watcher : undefined);
  if (stat === null) throw new CoreError(ErrorCode.NONODE, req.path);
  return { codec: codec(r.type), value: { stat } };
};

const getData: Responder = (f, r, cs) => ({
  codec: codec(r.type),
  value: f.getDataOp(cs, r, f.read<{ path: string; watch: boolean }>(r)),
});

const setWatches: Responder = (f, r, cs) => {
  const req = f.read<{
    relativeZxid: bigint;
    dataWatches: string[];
    existWatches: string[];
    childWatches: string[];
    persistentWatches?: string[];
    persistentRecursiveWatches?: string[];
  }>(r);
  const lists = {
    dataWatches: req.dataWatches,
    existWatches: req.existWatches,
    childWatches: req.childWatches,
    persistentWatches: req.persistentWatches ?? [],
    persistentRecursiveWatches: req.persistentRecursiveWatches ?? [],
  };
  f.tree.setWatches(req.relativeZxid, lists, cs.watcher);
  return null;
};

const addWatch: Responder = (f, r, cs) => {
  const req = f.read<{ path: string; mode: number }>(r);
  if (req.mode !== 0 && req.mode !== 1) throw new CoreError(ErrorCode.MARSHALLINGERROR);
  f.tree.addWatch(req.path, cs.watcher, req.mode === 0 ? "persistent" : "persistentRecursive");
  return { codec: codec(r.type), value: { err: 0 } };
};

const getACL: Responder = (f, r) => {
  const req = f.read<{ path: string }>(r);
  const n = f.tree.getNode(req.path);
  if (n === undefined) throw new CoreError(ErrorCode.NONODE, req.path);
  requireACL(f.policy, f.tree.getACLOf(n), Perms.READ | Perms.ADMIN, r.authInfo, req.path);
  const res = f.tree.getACL(req.path);
  if (res === null) throw new CoreError(ErrorCode.NONODE, req.path);
  const { acl, stat } = res;
  if (checkACL(acl, Perms.ADMIN, r.authInfo, f.policy)) {
    return { codec: codec(r.type), value: { acl: [...acl], stat } };
  }
  const redacted = acl.map((a) =>
    a.id.scheme === "digest" ? { perms: a.perms, id: { scheme: a.id.scheme, id: (a.id.id ?? "").replace(/:.*/s, ":x") } } : a,
  );
  return { codec: codec(r.type), value: { acl: redacted, stat } };
};

const getChildren: Responder = (f, r, cs) => ({
  codec: codec(r.type),
  value: { children: f.getChildrenOp(cs, r, f.read<{ path: string; watch: boolean }>(r)).children },
});

const getChildren2: Responder = (f, r, cs) => ({
  codec: codec(r.type),
  value: f.getChildrenOp(cs, r, f.read<{ path: string; watch: boolean }>(r)),
});

const getAllChildrenNumber: Responder = (f, r) => {
  const req = f.read<{ path: string }>(r);
  const n = f.tree.getNode(req.path);
  if (n === undefined) throw new CoreError(ErrorCode.NONODE, req.path);
  requireACL(f.policy, f.tree.getACLOf(n), Perms.READ, r.authInfo, req.path);
  return { codec: codec(r.type), value: { totalNumber: f.tree.getAllChildrenNumber(req.path) } };
};

const watchCheck: Responder = (f, r, cs) => {
  const req = f.read<{ path: string; type: number }>(r);
  if (req.type < 1 || req.type > 3) throw new CoreError(ErrorCode.MARSHALLINGERROR);
  const found =
    r.type === OpCode.checkWatches
      ? f.tree.containsWatch(req.path, cs.watcher, req.type)
      : f.tree.removeWatch(req.path, cs.watcher, req.type);
  if (!found) throw new CoreError(ErrorCode.NOWATCHER, req.path);
  return null;
};

const whoAmI: Responder = (f, r) => ({
  codec: codec(r.type),
  value: { clientInfo: r.authInfo.map((id) => ({ authScheme: id.scheme, user: userOf(id, f.policy) })) },
});

const getEphemerals: Responder = (f, r) => {
  const req = f.read<{ prefixPath: string }>(r);
  const all = [...f.tree.ephemerals(r.sessionId)];
  const prefix = req.prefixPath;
  const list = prefix.trim() === "" || prefix.trim() === "/" ? all : all.filter((p) => p.startsWith(prefix));
  return { codec: codec(r.type), value: { ephemerals: list } };
};

/** Opcode -> responder; an opcode without one is answered with the bare header. */
const RESPONDERS = new Map<number, Responder>([
  [OpCode.ping, none],
  [OpCode.multi, multi],
  [OpCode.multiRead, multiRead],
  [OpCode.create, created],
  [OpCode.create2, created2],
  [OpCode.createTTL, created2],
  [OpCode.createContainer, created2],
  [OpCode.delete, deleted],
  [OpCode.deleteContainer, deleted],
  [OpCode.setData, statReply],
  [OpCode.setACL, statReply],
  [OpCode.check, statReply],
  [OpCode.reconfig, reconfigReply],
  [OpCode.closeSession, none],
  [OpCode.sync, sync],
  [OpCode.exists, exists],
  [OpCode.getData, getData],
  [OpCode.setWatches, setWatches],
  [OpCode.setWatches2, setWatches],
  [OpCode.addWatch, addWatch],
  [OpCode.getACL, getACL],
  [OpCode.getChildren, getChildren],
  [OpCode.getChildren2, getChildren2],
  [OpCode.getAllChildrenNumber, getAllChildrenNumber],
  [OpCode.checkWatches, watchCheck],
  [OpCode.removeWatches, watchCheck],
  [OpCode.whoAmI, whoAmI],
  [OpCode.getEphemerals, getEphemerals],
]);
