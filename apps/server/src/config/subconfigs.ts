/**
 * The sub-configurations: TLS on the client port (NettyServerCnxnFactory and the `ssl.*` keys), the metrics
 * provider (Prometheus), the AdminServer and zkts's own log settings.
 */
import { parseClientTlsSettings, parseQuorumTlsSettings, TlsSettingsError } from "@zkts/tls";
import { PROMETHEUS_KEYS } from "./keys.js";
import type { ConfigReader } from "./reader.js";
import {
  DEFAULT_METRICS_PROVIDERS,
  LOG_FORMATS,
  LOG_LEVELS,
  NETTY_FACTORY,
  NIO_FACTORY,
  PROMETHEUS_PROVIDER,
  X509_PROVIDER,
  type LogFormat,
  type LogLevel,
  type PauseMonitorConfig,
  type PrometheusConfig,
  type ZkConfig,
} from "./types.js";

export function readLogLevel(r: ConfigReader): LogLevel | undefined {
  return r.choice("zkts.logLevel", LOG_LEVELS);
}

export function readLogFormat(r: ConfigReader): LogFormat | undefined {
  return r.choice("zkts.logFormat", LOG_FORMATS);
}

/** metricsProvider.*: QuorumPeerConfig refuses a provider class it cannot load; zkts knows two kinds. */
export function readPrometheus(r: ConfigReader): PrometheusConfig | undefined {
  const providerEntry = r.get("metricsProvider.className");
  const providerKeys = [...r.entries()].filter((e) => e.key.startsWith("metricsProvider.") && e.key !== "metricsProvider.className");
  if (providerEntry !== undefined && providerEntry.value === PROMETHEUS_PROVIDER) {
    for (const e of providerKeys) {
      const k = e.key.slice("metricsProvider.".length);
      if (!PROMETHEUS_KEYS.has(k)) {
        r.fail(e, `${e.key} is not supported by zkts (its Prometheus provider honours ${[...PROMETHEUS_KEYS].map((x) => `metricsProvider.${x}`).join(", ")})`);
      }
    }
    const host = r.get("metricsProvider.httpHost");
    if (host !== undefined && host.value === "") r.fail(host, "metricsProvider.httpHost must not be empty");
    return {
      httpHost: host?.value || "0.0.0.0",
      httpPort: r.int("metricsProvider.httpPort", 7000, "port")!,
      exportJvmInfo: r.bool("metricsProvider.exportJvmInfo", true),
    };
  }
  if (providerEntry !== undefined && !DEFAULT_METRICS_PROVIDERS.includes(providerEntry.value)) {
    r.fail(
      providerEntry,
      `metrics provider class was not found: metricsProvider.className=${providerEntry.value} ` +
        `(zkts supports ${PROMETHEUS_PROVIDER} and ZooKeeper's default ${DEFAULT_METRICS_PROVIDERS[0]})`,
    );
  } else {
    for (const e of providerKeys) r.warnings.push(`${r.at(e)}: ${e.key} is ignored: the metrics provider is not Prometheus (as ZooKeeper ignores it)`);
  }
  return undefined;
}

/**
 * `jvm.pause.monitor` and its settings (QuorumPeerConfig's keys, ZooKeeper's defaults: off, 500 ms sleep, info over
 * 1000 ms, warn over 10000 ms). Undefined while the monitor is off.
 */
export function readPauseMonitor(r: ConfigReader): PauseMonitorConfig | undefined {
  const sleepTimeMs = r.int("jvm.pause.sleep.time.ms", 500, "positive")!;
  const infoThresholdMs = r.int("jvm.pause.info-threshold.ms", 1000, "nonNegative")!;
  const warnThresholdMs = r.int("jvm.pause.warn-threshold.ms", 10_000, "nonNegative")!;
  if (!r.bool("jvm.pause.monitor", false)) return undefined;
  return { sleepTimeMs, infoThresholdMs, warnThresholdMs };
}

/** The client port's TLS settings and the x509 provider. */
export type ClientTlsValues = Pick<
  ZkConfig,
  "secureClientPortAddress" | "clientPortUnification" | "tls" | "clientCertReload" | "outstandingHandshakeLimit" | "x509AuthProvider" | "x509SuperUser"
>;

/** TLS on the client port (NettyServerCnxnFactory): keys as in zoo.cfg or with ZooKeeper's `zookeeper.` prefix. */
export function readClientTls(r: ConfigReader, secureClientPort: number | undefined): ClientTlsValues {
  const secureClientPortAddress = r.str("secureClientPortAddress");
  const clientPortUnification = r.bool("client.portUnification", false);
  const tlsOn = secureClientPort !== undefined || clientPortUnification;
  const factory = r.prop("serverCnxnFactory");
  if (factory !== undefined && factory.value !== NETTY_FACTORY && factory.value !== NIO_FACTORY) {
    r.fail(factory, `serverCnxnFactory must be ${NETTY_FACTORY} or ${NIO_FACTORY}, got "${factory.value}"`);
  }
  let tls: ZkConfig["tls"];
  if (tlsOn) {
    const what = secureClientPort !== undefined ? "secureClientPort" : "client.portUnification";
    if (factory?.value !== NETTY_FACTORY) {
      r.problems.push(`${factory ? r.at(factory) : r.file}: ${what} needs serverCnxnFactory=${NETTY_FACTORY} (as ZooKeeper: its NIO factory has no TLS)`);
    }
    tls = readSslSettings(r, what);
  }
  if (secureClientPortAddress !== undefined && secureClientPort === undefined) {
    r.fail(r.get("secureClientPortAddress")!, "secureClientPortAddress is set but secureClientPort is not set");
  }
  // QuorumPeerConfig.configureSSLAuth: a TLS client port registers the x509 provider (ssl.authProvider's scheme).
  let x509AuthProvider = tlsOn;
  for (const e of r.entries()) {
    if (/^(zookeeper\.)?authProvider\./.test(e.key) && e.value.trim() === X509_PROVIDER) x509AuthProvider = true;
  }
  return {
    secureClientPortAddress,
    clientPortUnification,
    tls,
    clientCertReload: r.prop("client.certReload")?.value.toLowerCase() === "true",
    outstandingHandshakeLimit: readHandshakeLimit(r),
    x509AuthProvider,
    x509SuperUser: r.prop("X509AuthenticationProvider.superUser")?.value,
  };
}

/**
 * TLS between members (QuorumPeerConfig: `sslQuorum`, `portUnification`, `sslQuorumReloadCertFiles`, and
 * QuorumX509Util's `ssl.quorum.*`, the client port's key set under another prefix). Set when sslQuorum or
 * portUnification is on; both need this member's key store (its certificate, presented to every peer).
 */
export function readQuorumTls(r: ConfigReader): ZkConfig["quorumTls"] {
  const sslQuorum = r.bool("sslQuorum", false);
  const portUnification = r.bool("portUnification", false);
  const reloadCertFiles = r.bool("sslQuorumReloadCertFiles", false);
  if (!sslQuorum && !portUnification) return undefined;
  const what = sslQuorum ? "sslQuorum=true" : "portUnification=true";
  const settings = readSslSettings(r, what, "ssl.quorum.");
  return settings === undefined ? undefined : { settings, sslQuorum, portUnification, reloadCertFiles };
}

/** The `ssl.*` keys (@zkts/tls checks them); each problem names its key's line when the key is in the file. */
function readSslSettings(r: ConfigReader, what: string, prefix: "ssl." | "ssl.quorum." = "ssl."): ZkConfig["tls"] {
  try {
    const get = (k: string) => r.prop(`${prefix}${k}`)?.value;
    const tls = prefix === "ssl." ? parseClientTlsSettings(get) : parseQuorumTlsSettings(get);
    if (tls.keyStore === undefined) r.problems.push(`${r.file}: ${what} needs ${prefix}keyStore.location (the server's key and certificate)`);
    return tls;
  } catch (e) {
    if (!(e instanceof TlsSettingsError)) throw e;
    for (const msg of e.problems) {
      const key = /^ssl\.[A-Za-z.]+/.exec(msg)?.[0];
      const entry = key === undefined ? undefined : r.prop(key);
      r.problems.push(`${entry ? r.at(entry) : r.file}: ${msg}`);
    }
    return undefined;
  }
}

/** netty.server.outstandingHandshake.limit: any integer (<= 0: no limit); default -1. */
function readHandshakeLimit(r: ConfigReader): number {
  const e = r.prop("netty.server.outstandingHandshake.limit");
  if (e === undefined) return -1;
  if (/^[+-]?\d+$/.test(e.value)) return Number(e.value);
  r.fail(e, `${e.key} must be an integer, got "${e.value}"`);
  return -1;
}

export type AdminValues = Pick<ZkConfig, "adminEnableServer" | "adminServerPort" | "adminServerAddress" | "adminIdleTimeout" | "adminCommandUrl">;

/** The AdminServer (`admin.*`, ZooKeeper's defaults: enabled, 0.0.0.0:8080, 30 s idle, /commands). */
export function readAdmin(r: ConfigReader): AdminValues {
  return {
    adminEnableServer: r.bool("admin.enableServer", true),
    adminServerPort: r.int("admin.serverPort", 8080, "port")!,
    adminServerAddress: r.str("admin.serverAddress") ?? "0.0.0.0",
    adminIdleTimeout: r.int("admin.idleTimeout", 30000, "positive")!,
    adminCommandUrl: r.str("admin.commandURL") ?? "/commands",
  };
}
