/**
 * Reads an Apache ZooKeeper snapshot file as it is read from disk (chunk by chunk, each byte looked at once, the
 * Adler32 seal computed incrementally): the driver of zkSnapshotFileParser over an async stream of chunks, turned
 * into the same records a zkts snapshot gives (snapshot.ts readSnapshotRecords dispatches here by content).
 */
import { adler32 } from "./adler32.js";
import { SnapshotCorruptionError } from "./errors.js";
import type { SnapshotRecord } from "./snapshot.js";
import {
  PEEK_MORE,
  zkSnapshotFileParser,
  type ByteParser,
  type ZkSnapshotBody,
  type ZkStreamLimits,
  type ZkZxidDigest,
} from "./zk-snapshot-stream.js";

/** Snapshot files: no jute.maxbuffer cap (ZooKeeper reads its own files without one). */
export const ZK_FILE_LIMITS: ZkStreamLimits = { maxBuffer: 0x7fffffff, maxTotal: Number.MAX_SAFE_INTEGER };

const EMPTY: Buffer = Buffer.alloc(0);

/** Node data read out of a chunk is copied, so the chunk is not kept alive by the nodes that came from it. */
function own(out: ZkSnapshotBody, copy: boolean): ZkSnapshotBody["nodes"] {
  const nodes = out.nodes;
  out.nodes = [];
  if (copy) for (const n of nodes) if (n.data !== null && n.data.length > 0) n.data = Buffer.from(n.data);
  return nodes;
}

/**
 * The records of a ZooKeeper snapshot read from `chunks` (`path` and `zxid`, from the file name, for the header
 * and errors): header, sessions, ACL cache, nodes in batches, and the ZxidDigest when the file holds one. Every
 * damage (short file, malformed field, seal mismatch, bytes after the end) is a SnapshotCorruptionError; as for
 * zkts snapshots, what was received is valid only once the iteration ends without error.
 */
export async function* readZkSnapshotRecords(
  chunks: AsyncIterable<Buffer>,
  path: string,
  zxid: bigint,
  limits: ZkStreamLimits = ZK_FILE_LIMITS,
  /** Node data as views into the read chunks, for a consumer that copies it (ReadSnapshotOptions.dataViews). */
  dataViews = false,
): AsyncGenerator<SnapshotRecord> {
  const it = chunks[Symbol.asyncIterator]();
  let head: Buffer = EMPTY;
  let pos = 0;
  /** Bytes of the stream before `head`. */
  let base = 0;
  let adler = 1;
  let adlerPos = 0;
  const ctx = {
    checksum: (): number => {
      adler = adler32(head, adler, adlerPos, pos);
      adlerPos = pos;
      return adler;
    },
  };
  /** Moves to the next non-empty chunk (the rest of `head` has been consumed); false at the end of the stream. */
  const next = async (): Promise<boolean> => {
    adler = adler32(head, adler, adlerPos, head.length);
    base += head.length;
    head = EMPTY;
    pos = adlerPos = 0;
    for (;;) {
      const r = await it.next();
      if (r.done) return false;
      if (r.value.length > 0) {
        head = r.value;
        return true;
      }
    }
  };
  const takeSlow = async (n: number): Promise<Buffer> => {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      if (pos === head.length && !(await next())) {
        throw new SnapshotCorruptionError(path, base + pos, `file too short (${need} more bytes wanted)`);
      }
      const k = Math.min(need, head.length - pos);
      parts.push(head.subarray(pos, pos + k));
      pos += k;
      need -= k;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  };

  const out: ZkSnapshotBody = { sessions: [], acls: [], nodes: [] };
  const parser: ByteParser<{ dbId: bigint; digest: ZkZxidDigest | null }> = zkSnapshotFileParser(limits, out, ctx);
  const step = (field: Buffer | undefined) => {
    try {
      return field === undefined ? parser.next() : parser.next(field);
    } catch (e) {
      if (e instanceof SnapshotCorruptionError) throw e;
      throw new SnapshotCorruptionError(path, base + pos, e instanceof Error ? e.message : String(e), { cause: e });
    }
  };
  function* drain(): Generator<SnapshotRecord> {
    if (out.sessions.length > 0) {
      yield { type: "sessions", sessions: out.sessions };
      out.sessions = [];
    }
    if (out.acls.length > 0) {
      yield { type: "acls", acls: out.acls.map((a) => ({ ref: a.ref, acl: a.acl })) };
      out.acls = [];
    }
    if (out.nodes.length > 0) yield { type: "nodes", nodes: own(out, !dataViews) };
  }

  yield { type: "header", header: { zxid, time: 0n, format: "zookeeper" } };
  let s = step(undefined);
  while (!s.done) {
    const n = s.value;
    let field: Buffer;
    if (n === PEEK_MORE) {
      if (pos === head.length) await next();
      field = pos < head.length ? head.subarray(pos, pos + 1) : EMPTY;
    } else if (pos + n <= head.length) {
      field = head.subarray(pos, pos + n);
      pos += n;
    } else {
      field = await takeSlow(n);
      // a new chunk was read: hand on what the previous ones held
      yield* drain();
    }
    s = step(field);
  }
  if (pos < head.length || (await next())) {
    throw new SnapshotCorruptionError(path, base + pos, "bytes after the end of the snapshot");
  }
  yield* drain();
  if (s.value.digest) yield { type: "digest", digest: s.value.digest };
}
