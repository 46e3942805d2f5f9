/** Connection strings (`host:port,host:port/chroot`), chroot mapping and client-side path validation. */
import { invalidPathReason } from "@zkts/client-wire";
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

/**
 * ZooKeeper's PathUtils.validatePath (the one copy, in @zkts/client-wire), with `sequential` checked as if a
 * sequence number followed. Throws a KeeperError with code BADARGUMENTS and ZooKeeper's message.
 */
export function validatePath(path: string, sequential = false): void {
  if (typeof path !== "string") throw new TypeError("path must be a string");
  const reason = invalidPathReason(path, sequential);
  if (reason !== null) throw new BadArgumentsError(path, reason);
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
