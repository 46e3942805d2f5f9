/**
 * Output formats of zkCli.sh (Apache ZooKeeper 3.8): StatPrinter, java.util.Date#toString, jute's CSV
 * rendering of an Id, ZKUtil.getPermString, List#toString, KeeperException and WatchedEvent messages, PathUtils.
 */
import { ErrorCode, Perms, errorMessage, type ACL, type Stat } from "@zkts/client";
import { eventTypeName, invalidPathReason, keeperStateName } from "@zkts/client-wire";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad2 = (n: number) => String(n).padStart(2, "0");

/** The time-zone abbreviation of a date in the local zone ("UTC", "CET", or "GMT+05:30" when there is none). */
function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
    .formatToParts(d)
    .find((p) => p.type === "timeZoneName")?.value;
  if (part && !/^GMT[+-]/.test(part)) return part;
  const off = -d.getTimezoneOffset();
  if (off === 0) return part ?? "GMT";
  const a = Math.abs(off);
  return `GMT${off < 0 ? "-" : "+"}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
}

/** `new java.util.Date(ms).toString()`: `EEE MMM dd HH:mm:ss zzz yyyy` in the local time zone. */
export function javaDate(ms: bigint | number): string {
  const d = new Date(Number(ms));
  return (
    `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zoneName(d)} ${d.getFullYear()}`
  );
}

/** `Long.toHexString`: two's complement for negative values. */
export function longHex(v: bigint | number): string {
  return BigInt.asUintN(64, BigInt(v)).toString(16);
}

/** The eleven lines of zkCli's StatPrinter. */
export function statLines(s: Stat): string[] {
  return [
    `cZxid = 0x${longHex(s.czxid)}`,
    `ctime = ${javaDate(s.ctime)}`,
    `mZxid = 0x${longHex(s.mzxid)}`,
    `mtime = ${javaDate(s.mtime)}`,
    `pZxid = 0x${longHex(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = 0x${longHex(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
  ];
}

/** Stat as JSON (zxids and the owner as Java prints them, times as epoch ms). */
export function statJson(s: Stat): Record<string, string | number> {
  return {
    czxid: `0x${longHex(s.czxid)}`,
    mzxid: `0x${longHex(s.mzxid)}`,
    pzxid: `0x${longHex(s.pzxid)}`,
    ctime: Number(s.ctime),
    mtime: Number(s.mtime),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: `0x${longHex(s.ephemeralOwner)}`,
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

/** jute's Utils.toCSVString: a leading quote, and %-escapes for \0 \n \r , } %. */
function csvString(s: string): string {
  let out = "'";
  for (const c of s) {
    switch (c) {
      case "\0":
        out += "%00";
        break;
      case "\n":
        out += "%0A";
        break;
      case "\r":
        out += "%0D";
        break;
      case ",":
        out += "%2C";
        break;
      case "}":
        out += "%7D";
        break;
      case "%":
        out += "%25";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** ZKUtil.getPermString: the letters of `cdrwa` that are set, in that order. */
export function permString(perms: number): string {
  let p = "";
  if (perms & Perms.CREATE) p += "c";
  if (perms & Perms.DELETE) p += "d";
  if (perms & Perms.READ) p += "r";
  if (perms & Perms.WRITE) p += "w";
  if (perms & Perms.ADMIN) p += "a";
  return p;
}

/** getAcl's lines: the Id record's CSV form (it ends with a newline), then `: perms`. */
export function aclLines(acl: readonly ACL[]): string[] {
  const out: string[] = [];
  for (const a of acl) out.push(`${csvString(a.id.scheme ?? "")},${csvString(a.id.id ?? "")}`, `: ${permString(a.perms)}`);
  return out;
}

/** AclParser.parse: `scheme:id:perms[,...]`; malformed entries are reported and skipped. */
export function parseAcl(text: string, warn: (line: string) => void): ACL[] {
  const acl: ACL[] = [];
  for (const a of text.split(",")) {
    const first = a.indexOf(":");
    const last = a.lastIndexOf(":");
    if (first === -1 || first === last) {
      warn(`${a} does not have the form scheme:id:perm`);
      continue;
    }
    let perms = 0;
    for (const c of a.slice(last + 1)) {
      if (c === "r") perms |= Perms.READ;
      else if (c === "w") perms |= Perms.WRITE;
      else if (c === "c") perms |= Perms.CREATE;
      else if (c === "d") perms |= Perms.DELETE;
      else if (c === "a") perms |= Perms.ADMIN;
      else warn(`Unknown perm type: ${c}`);
    }
    acl.push({ perms, id: { scheme: a.slice(0, first), id: a.slice(first + 1, last) } });
  }
  return acl;
}

/** `List#toString`: `[a, b]`. */
export function javaList(items: readonly string[]): string {
  return `[${items.join(", ")}]`;
}


/** KeeperException#getMessage: `KeeperErrorCode = NoNode for /p`. */
export function keeperMessage(code: number, path?: string | null): string {
  return errorMessage(code, path ? path : undefined);
}

/** CliWrapperException's message for a KeeperException. */
export function cliErrorMessage(code: number, path?: string | null): string {
  const p = path ?? "null";
  switch (code) {
    case ErrorCode.NONODE:
      return `Node does not exist: ${p}`;
    case ErrorCode.NOCHILDRENFOREPHEMERALS:
      return `Ephemerals cannot have children: ${p}`;
    case ErrorCode.NODEEXISTS:
      return `Node already exists: ${p}`;
    case ErrorCode.NOTEMPTY:
      return `Node not empty: ${p}`;
    case ErrorCode.NOTREADONLY:
      return `Not a read-only call: ${p}`;
    case ErrorCode.INVALIDACL:
      return `Acl is not valid : ${p}`;
    case ErrorCode.NOAUTH:
      return `Insufficient permission : ${p}`;
    case ErrorCode.BADARGUMENTS:
      return `Arguments are not valid : ${p}`;
    case ErrorCode.BADVERSION:
      return `version No is not valid : ${p}`;
    case ErrorCode.RECONFIGINPROGRESS:
      return "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)";
    case ErrorCode.NEWCONFIGNOQUORUM:
      return (
        "No quorum of new config is connected and up-to-date with the leader of last commmitted config - try " +
        "invoking reconfiguration after new servers are connected and synced"
      );
    case ErrorCode.QUOTAEXCEEDED:
      return `Quota has exceeded : ${p}`;
    default:
      return keeperMessage(code, path);
  }
}

/** WatchedEvent#toString. */
export function watchedEvent(state: number, type: number, path: string | null): string {
  return `WatchedEvent state:${keeperStateName(state) ?? state} type:${eventTypeName(type) ?? type} path:${path ?? "null"}`;
}

/** PathUtils.validatePath (the one copy, @zkts/client-wire): the IllegalArgumentException message, or undefined when the path is valid. */
export function pathError(path: string, sequential = false): string | undefined {
  return invalidPathReason(path, sequential) ?? undefined;
}
