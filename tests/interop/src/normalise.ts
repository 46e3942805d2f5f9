/**
 * Normalisation of client results: only what must differ between two servers is rewritten.
 *
 * - zxids (czxid, mzxid, pzxid, zxid keys; `cZxid = 0x..` lines) become "Z+n", relative to the smallest positive
 *   zxid in the scenario's output (0 and -1 stay as they are: they are not server history).
 * - ctime/mtime become "T" (0 stays 0: the /zookeeper nodes have no creation time).
 * - session ids become "S1", "S2", ... in order of first appearance: first the ids the client reported when it
 *   connected, then any other session-looking ephemeralOwner. 0, the container owner 0x8000000000000000 and TTL
 *   owners (top byte 0xff) are not sessions and stay.
 */
import { ephemeralKind, ownerAsLong } from "@zkts/client-wire";

export class Normaliser {
  private zxidBase: bigint | undefined;
  private readonly sessions = new Map<bigint, string>();

  /** Registers a session id (e.g. from a connect result) so it gets the next S<n> name. */
  session(id: bigint | string): string {
    const v = typeof id === "bigint" ? id : parseLong(id);
    let name = this.sessions.get(v);
    if (name === undefined) {
      name = `S${this.sessions.size + 1}`;
      this.sessions.set(v, name);
    }
    return name;
  }

  zxid(v: bigint | number | string): string | number {
    const z = typeof v === "bigint" ? v : typeof v === "number" ? BigInt(v) : parseLong(v);
    if (z <= 0n) return Number(z);
    if (this.zxidBase === undefined) this.zxidBase = z;
    return `Z${z - this.zxidBase >= 0n ? "+" : ""}${z - this.zxidBase}`;
  }

  /** An ephemeralOwner value: 0/container/TTL stay (as hex), sessions become S<n>. */
  owner(v: bigint | string): string {
    const o = typeof v === "bigint" ? BigInt.asUintN(64, v) : BigInt.asUintN(64, parseLong(v));
    if (ephemeralKind(ownerAsLong(o)) !== "normal") return `0x${o.toString(16)}`;
    return this.session(o);
  }

  time(v: number | string): string | number {
    return v === 0 || v === "0" ? 0 : "T";
  }

  /** Makes `z` the zxid base if it is the smallest positive zxid seen so far (call before rewriting). */
  seeZxid(v: bigint | number | string): void {
    const z = typeof v === "bigint" ? v : typeof v === "number" ? BigInt(v) : parseLong(v);
    if (z > 0n && (this.zxidBase === undefined || z < this.zxidBase)) this.zxidBase = z;
  }

  /** Rewrites a JSON value (kazoo / node-zookeeper-client results). */
  json(value: unknown): unknown {
    // First pass: sessions reported at connect, in step order, and the smallest zxid.
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v !== null && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k === "session" && typeof x === "string") this.session(x);
          else if (ZXID_KEYS.has(k) && (typeof x === "number" || typeof x === "string")) this.seeZxid(x);
          else collect(x);
        }
      }
    };
    collect(value);
    const walk = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(walk);
      if (v === null || typeof v !== "object") return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (ZXID_KEYS.has(k) && (typeof x === "number" || typeof x === "string"))
          out[k] = this.zxid(x);
        else if ((k === "ctime" || k === "mtime") && (typeof x === "number" || typeof x === "string")) out[k] = this.time(x);
        else if ((k === "ephemeralOwner" || k === "session") && typeof x === "string") out[k] = this.owner(x);
        else out[k] = walk(x);
      }
      return out;
    };
    return walk(value);
  }

  /** Rewrites zkCli.sh output lines (zxids relative to the smallest one in `all`). */
  zkCliLines(groups: string[][]): string[][] {
    for (const l of groups.flat()) {
      const m = /^(?:cZxid|mZxid|pZxid) = (0x[0-9a-fA-F]+)$/.exec(l);
      if (m) this.seeZxid(m[1]!);
    }
    return groups.map((g) => g.map((l) => this.zkCliLine(l)));
  }

  /** Rewrites cli_mt output lines (zxids relative to the smallest one in `all`). */
  cliMtLines(groups: string[][]): string[][] {
    for (const l of groups.flat()) {
      const m = /^\s*(?:czxid|mzxid|pzxid)=([0-9a-fA-F]+)$/.exec(l);
      if (m) this.seeZxid("0x" + m[1]);
    }
    return groups.map((g) => g.map((l) => this.cliMtLine(l)));
  }

  /** Rewrites one line of zkCli.sh output. */
  zkCliLine(line: string): string {
    let m = /^(cZxid|mZxid|pZxid) = (0x[0-9a-fA-F]+)$/.exec(line);
    if (m) return `${m[1]} = ${this.zxid(m[2]!)}`;
    m = /^(ctime|mtime) = (.*)$/.exec(line);
    if (m) return `${m[1]} = ${m[2] === "Thu Jan 01 00:00:00 UTC 1970" ? 0 : "T"}`;
    m = /^ephemeralOwner = (0x[0-9a-fA-F]+)$/.exec(line);
    if (m) return `ephemeralOwner = ${this.owner(m[1]!)}`;
    return line;
  }

  /** Rewrites one line of cli_mt output (zxids and owners are hex without 0x there). */
  cliMtLine(line: string): string {
    let m = /^(\s*)(czxid|mzxid|pzxid)=([0-9a-fA-F]+)$/.exec(line);
    if (m) return `${m[1]}${m[2]}=${this.zxid("0x" + m[3])}`;
    m = /^(\s*)(ctime|mtime) ?= ?(.*)$/.exec(line);
    if (m) return `${m[1]}${m[2]} = ${/1970/.test(m[3]!) ? 0 : "T"}`;
    m = /^(\s*)ephemeralOwner = ([0-9a-fA-F]+)$/.exec(line);
    if (m) return `${m[1]}ephemeralOwner = ${this.owner("0x" + m[2])}`;
    m = /^Got a new session id: (0x[0-9a-fA-F]+)$/.exec(line);
    if (m) return `Got a new session id: ${this.session(m[1]!)}`;
    m = /^session Id = ([0-9a-fA-F]+)$/.exec(line);
    if (m) return `session Id = ${this.session("0x" + m[1])}`;
    return line;
  }
}

const ZXID_KEYS = new Set(["czxid", "mzxid", "pzxid", "zxid"]);

function parseLong(s: string): bigint {
  const t = s.trim();
  if (/^-?0x/i.test(t)) return t.startsWith("-") ? -BigInt(t.slice(1)) : BigInt(t);
  return BigInt(t);
}
