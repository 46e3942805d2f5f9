/**
 * The internal shapes every stage of the pipeline shares: the resolved settings, a connection's state and a
 * request on its way through prep -> durability -> final.
 */
import { decode, type Codec, type Id, type TxnDigest, type TxnHeader } from "@zkts/jute";
import { ErrorCode, requestCodec } from "@zkts/client-wire";
import { checkACL, DEFAULT_SCHEMES, fixupACL, type ACLCheckOptions, type AclScheme } from "@zkts/datatree";
import type { ACL } from "@zkts/jute";
import type { DigestMd5Server } from "./digest-md5.js";
import { CoreError } from "./errors.js";
import type { Latency } from "./server-info.js";
import type { DigestHint, TreeNode, TreeWatcher, TxnResult } from "./tree.js";
import type { ServerConnection, ServerInit } from "./types.js";

/** ServerInit with its defaults applied. */
export interface Settings {
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  readonly skipACL: boolean;
  readonly reconfigEnabled: boolean;
  readonly superDigest: string | undefined;
  /** The authentication providers registered (ProviderRegistry): ip and digest, and x509 when configured. */
  readonly schemes: readonly AclScheme[];
  /** zookeeper.X509AuthenticationProvider.superUser. */
  readonly x509SuperUser: string | undefined;
  readonly sasl: ServerInit["sasl"];
  /** The schemes AuthenticationHelper enforces; undefined when enforcement is off. */
  readonly enforceAuthSchemes: readonly string[] | undefined;
  readonly extendedTypes: boolean;
  readonly enforceQuota: boolean;
  readonly containerInterval: number;
  readonly maxBuffer: number;
  readonly configMap: Record<string, string>;
  readonly version: string;
  readonly serverState: string;
  readonly serverId: number;
}

export function resolveSettings(init: ServerInit): Settings {
  const tickTime = init.tickTime ?? 2000;
  return {
    tickTime,
    minSessionTimeout: init.minSessionTimeout ?? tickTime * 2,
    maxSessionTimeout: init.maxSessionTimeout ?? tickTime * 20,
    skipACL: init.skipACL ?? false,
    reconfigEnabled: init.reconfigEnabled ?? false,
    superDigest: init.superDigest,
    schemes: [...DEFAULT_SCHEMES, ...(init.x509 !== undefined ? (["x509"] as const) : []), ...(init.saslAuthProvider ? (["sasl"] as const) : [])],
    x509SuperUser: init.x509?.superUser,
    sasl: init.sasl,
    enforceAuthSchemes: init.enforceAuthSchemes !== undefined && init.enforceAuthSchemes.length > 0 ? init.enforceAuthSchemes : undefined,
    extendedTypes: init.extendedTypesEnabled ?? false,
    enforceQuota: init.enforceQuota ?? false,
    containerInterval: init.containerCheckIntervalMs ?? 60_000,
    maxBuffer: init.maxBuffer ?? 0xfffff,
    configMap: init.config ?? {},
    version: init.version ?? "3.8.0-zkts",
    serverState: init.serverState ?? "standalone",
    serverId: init.serverId ?? 1,
  };
}

export interface ConnState {
  conn: ServerConnection;
  sessionId: bigint;
  timeout: number;
  authInfo: Id[];
  /** The connection's DIGEST-MD5 exchange, made by its first SASL packet (ServerCnxn.zooKeeperSaslServer). */
  sasl?: DigestMd5Server;
  hasReadOnly: boolean;
  closed: boolean;
  watcher: TreeWatcher;
  outstanding: number;
  packetsReceived: number;
  packetsSent: number;
  latency: Latency;
  lastOp: string;
  lastCxid: number;
  lastZxid: bigint;
  lastLatency: number;
  lastResponseTime: number;
  established: number;
}

export interface Request {
  cs: ConnState | null;
  sessionId: bigint;
  xid: number;
  type: number;
  body: Buffer;
  authInfo: readonly Id[];
  start: number;
  hdr: TxnHeader | null;
  txn: unknown;
  /**
   * The TxnDigest prep attached (the tree digest once this txn is applied, as PrepRequestProcessor's
   * setTxnDigest), logged and proposed after the txn; null without one (digests disabled, an error txn).
   */
  txnDigest: TxnDigest | null;
  error: CoreError | null;
  /** Decoded multi ops, kept for the reply. */
  ready: boolean;
  /** For createSession: the connect reply to send once applied. */
  connectTimeout?: number;
  /** Set when the txn log failed: the txn is neither applied nor acknowledged. */
  sinkError?: unknown;
  /** Learner: handed to the leader; `rc` is the result of applying its committed txn. */
  forwarded?: boolean;
  /** Leader: forwarded by a learner for a session connected there (no `cs` here, but a client's session). */
  remote?: boolean;
  rc?: TxnResult | null;
  /**
   * Hints for applying the txn (Tree.processTxn's `node` and `parent`), the tree nodes prep read: setData's and
   * delete's node; a create's and a delete's parent. Not set for a multi.
   */
  node: TreeNode | undefined;
  parent: TreeNode | undefined;
  /** The change records prep added for this txn when digests are enabled (Tree.processTxn's `digests`). */
  digests: readonly DigestHint[] | undefined;
}

export const UNKNOWN_REPLY_ZXID = -1n;
export const NO_AUTH: readonly Id[] = Object.freeze([]);

export function newRequest(cs: ConnState | null, sessionId: bigint, xid: number, type: number, body: Buffer, start: number): Request {
  return {
    cs,
    sessionId,
    xid,
    type,
    body,
    // cs.authInfo is never mutated in place (addAuth replaces it), so the request can share it
    authInfo: cs === null ? NO_AUTH : cs.authInfo,
    start,
    hdr: null,
    txn: null,
    txnDigest: null,
    error: null,
    ready: false,
    node: undefined,
    parent: undefined,
    digests: undefined,
  };
}

/**
 * decode's options for a request body, [copies, views], each kept for the last maxBuffer asked (one per server: no
 * object per request).
 */
const bodyOptions = [false, true].map((views) => ({ allowTrailing: true, maxBuffer: -1, views }));

/**
 * Decodes a request body as Java does: trailing bytes are ignored. With `views`, the record's buffers (a create's
 * or setData's data, a multi's) are views into `body` rather than copies: for a write's record, whose data lives
 * no longer than its request (which holds `body` anyway) except as the copy the tree keeps (keepData).
 */
export function decodeBody<T>(codec: Codec<T>, body: Buffer, maxBuffer: number, views = false): T {
  const i = views ? 1 : 0;
  let o = bodyOptions[i]!;
  if (o.maxBuffer !== maxBuffer) o = bodyOptions[i] = { allowTrailing: true, maxBuffer, views };
  return decode(codec, body, o);
}

/** `r`'s body decoded with its opcode's request codec. Throws MARSHALLINGERROR. */
export function readBody<T>(r: Request, maxBuffer: number): T {
  const codec = requestCodec(r.type);
  if (codec === undefined || codec === null) throw new CoreError(ErrorCode.MARSHALLINGERROR);
  try {
    return decodeBody(codec, r.body, maxBuffer) as T;
  } catch {
    throw new CoreError(ErrorCode.MARSHALLINGERROR);
  }
}

/** ZooKeeperServer.checkACL (the shared engine in @zkts/datatree): NOAUTH unless `ids` may exercise `perm`. */
export function requireACL(
  opts: ACLCheckOptions,
  acl: readonly ACL[] | null | undefined,
  perm: number,
  ids: readonly Id[],
  path?: string,
): void {
  if (!checkACL(acl, perm, ids, opts)) throw new CoreError(ErrorCode.NOAUTH, path);
}

/** PrepRequestProcessor.fixupACL (the shared engine in @zkts/datatree): INVALIDACL where ZooKeeper throws InvalidACL. */
export function requireValidACL(path: string, authInfo: readonly Id[], acl: readonly ACL[], opts: ACLCheckOptions = {}): ACL[] {
  const fixed = fixupACL(authInfo, acl, opts);
  if (fixed === null) throw new CoreError(ErrorCode.INVALIDACL, path);
  return fixed;
}
