/** Connection strings (`host:port,host:port/chroot`), chroot mapping and client-side path validation. */
import { BadArgumentsError } from "./errors.js";

export interface HostPort {
  host: string;
  port: number;
}

export interface ParsedConnectString {
  hosts: HostPort[];
  /** The chroot without a trailing slash, or "" for none. */
  chroot: string;
}

const DEFAULT_PORT = 2181;

/**
 * Parses `host[:port][,host[:port]...][/chroot]` as ZooKeeper's ConnectStringParser does. IPv6 literals go in
 * brackets (`[::1]:2181`). The port defaults to 2181. A chroot of "/" means none.
 */
export function parseConnectString(connectString: string): ParsedConnectString {
  let hostsPart = connectString.trim();
  let chroot = "";
  const slash = hostsPart.indexOf("/");
  if (slash >= 0) {
    chroot = hostsPart.slice(slash);
    hostsPart = hostsPart.slice(0, slash);
    if (chroot === "/") chroot = "";
    else validatePath(chroot);
  }
  const hosts: HostPort[] = [];
  for (const raw of hostsPart.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    let host: string;
    let port = DEFAULT_PORT;
    if (item.startsWith("[")) {
      const close = item.indexOf("]");
      if (close < 0) throw new TypeError(`invalid host in connect string: ${item}`);
      host = item.slice(1, close);
      const rest = item.slice(close + 1);
      if (rest.startsWith(":")) port = parsePort(rest.slice(1), item);
      else if (rest !== "") throw new TypeError(`invalid host in connect string: ${item}`);
    } else {
      const colon = item.lastIndexOf(":");
      if (colon >= 0) {
        host = item.slice(0, colon);
        port = parsePort(item.slice(colon + 1), item);
      } else {
        host = item;
      }
    }
    if (host === "") throw new TypeError(`invalid host in connect string: ${item}`);
    hosts.push({ host, port });
  }
  if (hosts.length === 0) throw new TypeError(`connect string has no hosts: ${JSON.stringify(connectString)}`);
  return { hosts, chroot };
}

function parsePort(s: string, item: string): number {
  const port = Number(s);
  if (!/^\d+$/.test(s) || port < 1 || port > 65535) throw new TypeError(`invalid port in connect string: ${item}`);
  return port;
}

/** Fisher–Yates shuffle with an injectable random source in [0, 1). Returns a new array. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Prefixes a client path with the chroot ("/" under chroot "/app" is "/app"). */
export function prependChroot(chroot: string, clientPath: string): string {
  if (chroot === "") return clientPath;
  return clientPath === "/" ? chroot : chroot + clientPath;
}

/** Strips the chroot from a server path; paths outside the chroot come back unchanged. */
export function stripChroot(chroot: string, serverPath: string): string {
  if (chroot === "") return serverPath;
  if (serverPath === chroot) return "/";
  if (serverPath.startsWith(chroot + "/")) return serverPath.slice(chroot.length);
  return serverPath;
}

function invalid(path: string, reason: string): Error {
  return new BadArgumentsError(path, `Invalid path string "${path}" caused by ${reason}`);
}

/**
 * ZooKeeper's PathUtils.validatePath: absolute, no trailing slash (unless `sequential`), no empty, "." or ".."
 * segments, no control or reserved characters. Throws a KeeperError with code BADARGUMENTS.
 */
export function validatePath(path: string, sequential = false): void {
  if (typeof path !== "string") throw new TypeError("path must be a string");
  if (path.length === 0) throw invalid(path, "empty path");
  if (path[0] !== "/") throw invalid(path, "path must start with / character");
  if (path.length === 1) {
    if (sequential) return;
    return;
  }
  if (path.endsWith("/") && !sequential) throw invalid(path, "path must not end with / character");
  const segs = path.slice(1).split("/");
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    if (seg === "" && !(last && sequential)) throw invalid(path, `empty node name specified @${path.indexOf("//") + 1}`);
    if (seg === "." || seg === "..") throw invalid(path, `relative paths not allowed @${path.indexOf("/" + seg)}`);
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (
      c === 0 ||
      (c > 0x00 && c <= 0x1f) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      throw invalid(path, `invalid character @${i}`);
    }
  }
}

/** Parent of a path ("/a/b" -> "/a", "/a" -> "/"). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Joins a parent path and a child name. */
export function joinPath(parent: string, child: string): string {
  return parent === "/" ? `/${child}` : `${parent}/${child}`;
}
