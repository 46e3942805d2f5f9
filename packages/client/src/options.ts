/**
 * Client options with their defaults applied (the Java client's ZKClientConfig and the constructor arguments of
 * ZooKeeper), and the timeouts derived from them. The connect string itself is parsed by connect-string.ts.
 */
import { DEFAULT_MAX_BUFFER } from "@zkts/jute";
import { resolveSasl, type ClientSaslOptions } from "./sasl.js";
import { resolveTls, type ResolvedTls } from "./tls.js";
import type { ClientOptions } from "./types.js";

/** The options a connection works with: every default applied; the session to resume and auth kept apart. */
export type ResolvedOptions = Required<Omit<ClientOptions, "sessionId" | "sessionPassword" | "connectTimeout" | "authInfo" | "tls" | "sasl">> & {
  connectTimeout: number | undefined;
  tls: ResolvedTls | undefined;
  sasl: ClientSaslOptions | undefined;
};

/** The password of "no session yet" (sent with session id 0). */
export const EMPTY_PASSWD = Buffer.alloc(16);

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  return {
    sessionTimeout: options.sessionTimeout ?? 30_000,
    connectTimeout: options.connectTimeout,
    requestTimeout: options.requestTimeout ?? 0,
    maxOutstanding: Math.max(1, options.maxOutstanding ?? 1000),
    retryDelay: options.retryDelay ?? 1000,
    random: options.random ?? Math.random,
    canBeReadOnly: options.canBeReadOnly ?? false,
    maxPacketSize: options.maxPacketSize ?? DEFAULT_MAX_BUFFER,
    setWatchesBatchBytes: options.setWatchesBatchBytes ?? 128 * 1024,
    tls: resolveTls(options.tls),
    sasl: resolveSasl(options.sasl),
  };
}

/**
 * Time one host gets for TCP connect plus handshake: `connectTimeout`, or the (negotiated, else requested) session
 * timeout shared among the hosts, as the Java client's connectTimeout = sessionTimeout / hostCount.
 */
export function hostConnectTimeout(opts: ResolvedOptions, negotiatedTimeout: number, hostCount: number): number {
  return opts.connectTimeout ?? Math.max(1, Math.floor((negotiatedTimeout || opts.sessionTimeout) / hostCount));
}

/**
 * The pause after every host of the list failed once, the `cycle`-th time in a row (0 = the first round since the
 * client was last connected): retryDelay / 16 doubling each round up to `retryDelay`, jittered into [p/2, p). An
 * ensemble electing a new leader refuses clients for a fraction of a second: the first rounds come back quickly,
 * a server that stays down is not hammered.
 */
export function retryPause(opts: ResolvedOptions, cycle = Number.POSITIVE_INFINITY): number {
  const p = Math.min(opts.retryDelay, (opts.retryDelay / 16) * 2 ** Math.min(cycle, 30));
  return Math.floor(p * (0.5 + opts.random() / 2));
}
