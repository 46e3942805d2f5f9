/**
 * Golden frames captured from real clients (kazoo, zkCli.sh, the Java client API, cli_mt, node-zookeeper-client)
 * talking to Apache ZooKeeper 3.8 through tooling/capture's recording proxy (see tooling/capture/README.md).
 * Every frame must decode with this package's API and re-encode to the identical bytes.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  decodeConnectRequest,
  decodeConnectResponse,
  decodeRequest,
  decodeResponse,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeRequest,
  encodeResponse,
  errorName,
  eventTypeName,
  opName,
} from "./index.js";

interface Frame {
  dir: "c2s" | "s2c";
  hex: string;
}
interface Connection {
  kind: "jute" | "4lw";
  frames: Frame[];
  trailing?: Partial<Record<"c2s" | "s2c", string>>;
}
interface Fixture {
  client: string;
  scenario: string;
  connections: Connection[];
}

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/golden");
const fixtures: Array<{ file: string; fixture: Fixture }> = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((file) => ({ file, fixture: JSON.parse(readFileSync(join(GOLDEN_DIR, file), "utf8")) as Fixture }));

/**
 * Frames real clients send that this package cannot round-trip yet: a failure in `file` whose message matches
 * `match` is tolerated. Each gap must still occur (so it is removed once fixed); every other frame must round-trip.
 */
const KNOWN_GAPS: Array<{ file: string; match: RegExp; reason: string }> = [];
const isKnownGap = (file: string, message: string) =>
  KNOWN_GAPS.some((g) => g.file === file && g.match.test(message));

const XID_NOTIFICATION = -1;
const XID_PING = -2;
const XID_AUTH = -4;
const XID_SET_WATCHES = -8;

interface Walk {
  kinds: Set<string>;
  /** Frames that did not decode or did not re-encode identically. */
  failures: Array<{ frame: number; message: string }>;
  frames: number;
}

const name = (op: number): string => opName(op) ?? `op${op}`;

/** Decodes and re-encodes every frame of one jute connection, collecting message kinds and failures. */
function walk(conn: Connection): Walk {
  const kinds = new Set<string>();
  const failures: Walk["failures"] = [];
  const pending = new Map<number, number>(); // xid -> opcode of the outstanding request
  let sawRequest = false;
  let sawResponse = false;
  conn.frames.forEach((frame, i) => {
    const bytes = Buffer.from(frame.hex, "hex");
    const where = `frame ${i} (${frame.dir})`;
    try {
      let again: Buffer;
      if (frame.dir === "c2s" && !sawRequest) {
        sawRequest = true;
        const req = decodeConnectRequest(bytes);
        kinds.add("connect-request");
        kinds.add(req.hasReadOnly ? "connect-request:readOnly-byte" : "connect-request:no-readOnly-byte");
        if (req.sessionId !== 0n) kinds.add("connect-request:reconnect");
        again = encodeConnectRequest(req);
      } else if (frame.dir === "s2c" && !sawResponse) {
        sawResponse = true;
        const resp = decodeConnectResponse(bytes);
        kinds.add("connect-response");
        kinds.add(resp.hasReadOnly ? "connect-response:readOnly-byte" : "connect-response:no-readOnly-byte");
        again = encodeConnectResponse(resp);
      } else if (frame.dir === "c2s") {
        // remember the opcode before decoding the body, so a body that fails to decode does not also fail its reply
        if (bytes.length >= 8) pending.set(bytes.readInt32BE(0), bytes.readInt32BE(4));
        const req = decodeRequest(bytes);
        if (req.xid === XID_PING) kinds.add("ping");
        else if (req.xid === XID_AUTH) kinds.add("auth");
        // the 3.8 Java client sends setWatches/setWatches2 with an ordinary xid, not -8
        if (req.type === 101) kinds.add("setWatches");
        if (req.type === 105) kinds.add("setWatches2");
        if (req.xid === XID_SET_WATCHES) kinds.add("setWatches:xid-8");
        kinds.add(`request:${name(req.type)}`);
        if (req.type === 14 || req.type === 22) {
          for (const op of (req.body as { ops: Array<{ type: number }> }).ops) kinds.add(`multi-op:${name(op.type)}`);
        }
        again = encodeRequest(req);
      } else {
        const xid = bytes.readInt32BE(0);
        const opcode = pending.get(xid);
        const resp = decodeResponse(bytes, (x) => pending.get(x));
        const { header } = resp;
        if (xid === XID_NOTIFICATION) {
          const ev = resp.body as { type: number };
          kinds.add(`notification:${eventTypeName(ev.type) ?? ev.type}`);
        } else if (xid === XID_PING) {
          kinds.add("response:ping");
        } else if (xid === XID_AUTH) {
          kinds.add(header.err === 0 ? "response:auth" : `response:auth:${errorName(header.err) ?? header.err}`);
        } else if (xid === XID_SET_WATCHES) {
          kinds.add(`response:${name(opcode ?? 101)}`);
        } else {
          const op = opcode === undefined ? "unknown-xid" : name(opcode);
          kinds.add(header.err === 0 ? `response:${op}` : `response:${op}:err`);
          if (header.err !== 0) kinds.add(`error:${errorName(header.err) ?? header.err}`);
          if (header.err === 0 && (opcode === 14 || opcode === 22)) {
            const results = (resp.body as { results: Array<{ type: number; err: number }> }).results;
            const failed = results.some((r) => r.type === -1 && r.err !== 0);
            kinds.add(`${opcode === 14 ? "multi" : "multiRead"}:${failed ? "failure" : "success"}`);
            for (const r of results) kinds.add(`multi-result:${r.type === -1 ? "error" : name(r.type)}`);
          }
        }
        if (xid !== XID_NOTIFICATION) pending.delete(xid);
        again = encodeResponse(resp, opcode);
      }
      const hex = again.toString("hex");
      if (hex !== frame.hex) {
        failures.push({ frame: i, message: `${where}: re-encoded\n  ${hex}\n  expected\n  ${frame.hex}` });
      }
    } catch (e) {
      const message = `${where} ${frame.hex.slice(0, 80)}: ${(e as Error).name}: ${(e as Error).message}`;
      failures.push({ frame: i, message });
    }
  });
  return { kinds, failures, frames: conn.frames.length };
}

describe("golden frames from real clients and Apache ZooKeeper 3.8", () => {
  it("has fixtures", () => {
    expect(fixtures.length).toBeGreaterThan(10);
  });

  for (const { file, fixture } of fixtures) {
    describe(file, () => {
      fixture.connections.forEach((conn, n) => {
        if (conn.kind === "4lw") {
          it(`connection ${n}: four-letter word (raw)`, () => {
            const word = Buffer.from(conn.frames.find((f) => f.dir === "c2s")?.hex ?? "", "hex").toString("latin1");
            expect(word).toMatch(/^[a-z]{4}$/);
            const answer = Buffer.from(conn.frames.find((f) => f.dir === "s2c")?.hex ?? "", "hex").toString("utf8");
            if (word === "ruok") expect(answer).toBe("imok");
            if (word === "srvr") expect(answer).toMatch(/^Zookeeper version: 3\.8/);
            if (word === "isro") expect(answer).toBe("rw");
          });
          return;
        }
        it(`connection ${n}: every frame decodes and re-encodes byte-identically`, () => {
          expect(conn.trailing).toBeUndefined();
          const { failures, frames } = walk(conn);
          expect(frames).toBeGreaterThan(0);
          expect(failures.map((f) => f.message).filter((m) => !isKnownGap(file, m))).toEqual([]);
        });
      });
    });
  }

  it("every known gap still occurs (remove entries that now round-trip)", () => {
    for (const gap of KNOWN_GAPS) {
      const fixture = fixtures.find((f) => f.file === gap.file)?.fixture;
      const messages = (fixture?.connections ?? [])
        .filter((c) => c.kind === "jute")
        .flatMap((c) => walk(c).failures.map((f) => f.message));
      expect(messages.some((m) => gap.match.test(m)), gap.reason).toBe(true);
    }
  });

  it("covers at least 30 distinct message kinds", () => {
    const all = new Set<string>();
    for (const { fixture } of fixtures) {
      for (const conn of fixture.connections) if (conn.kind === "jute") for (const k of walk(conn).kinds) all.add(k);
    }
    for (const k of [
      "connect-request",
      "connect-request:no-readOnly-byte",
      "connect-request:reconnect",
      "connect-response",
      "ping",
      "auth",
      "setWatches",
      "setWatches2",
      "request:create2",
      "request:createTTL",
      "request:createContainer",
      "request:multiRead",
      "request:checkWatches",
      "request:removeWatches",
      "request:addWatch",
      "request:whoAmI",
      "request:reconfig",
      "response:getData",
      "response:getData:err",
      "response:auth:AUTHFAILED",
      "notification:NodeDataChanged",
      "notification:NodeCreated",
      "notification:NodeDeleted",
      "notification:NodeChildrenChanged",
      "multi:success",
      "multi:failure",
    ]) {
      expect(all, k).toContain(k);
    }
    expect(all.size).toBeGreaterThanOrEqual(30);
  });
});
