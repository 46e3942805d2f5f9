import { startReferenceZooKeeper, startZkts, zktsAvailable } from "@zkts/testkit";

/** super:test — the password of the `super` digest user on both servers. */
export const SUPER_PASSWORD = "test";
/** DigestAuthenticationProvider.generateDigest("super:test"). */
export const SUPER_DIGEST = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=";

/** The zoo.cfg settings every interop server gets unless a file asks otherwise. */
export const DEFAULT_CONFIG: Record<string, string> = {
  tickTime: "500",
  extendedTypesEnabled: "true",
  "znode.container.checkIntervalMs": "500",
};

export interface Server {
  port: number;
  connectString: string;
  output(): string;
  stop(): Promise<void>;
}

export interface ServerPair {
  reference: Server;
  /** zkts, or a second reference server when INTEROP_SUBJECT=reference or zkts-server is not in the checkout. */
  subject: Server;
  subjectKind: "zkts" | "reference";
  stop(): Promise<void>;
}

/** Which server the reference is compared with: zkts when its launcher exists, unless INTEROP_SUBJECT says. */
export function subjectKind(): "zkts" | "reference" {
  const env = process.env.INTEROP_SUBJECT;
  if (env === "reference" || env === "zkts") return env;
  return zktsAvailable() ? "zkts" : "reference";
}

export interface PairOptions {
  /** zoo.cfg keys, replacing DEFAULT_CONFIG entries. */
  config?: Record<string, string>;
  /** Pass the super digest (default true). */
  superDigest?: boolean;
  /** zoo.cfg keys for one server only (e.g. its own AdminServer port). */
  adminFor?: (kind: "reference" | "subject") => Record<string, string>;
}

/** Starts the reference server and the subject (in parallel) with the same settings. */
export async function startPair(opts: PairOptions = {}): Promise<ServerPair> {
  const config = { ...DEFAULT_CONFIG, ...opts.config };
  for (const [k, v] of Object.entries(config)) if (v === "") delete config[k];
  const withSuper = opts.superDigest ?? true;
  const kind = subjectKind();
  // ZooKeeper reads the container/TTL reaper interval only as a JVM system property (a zoo.cfg key would become
  // zookeeper.znode.container.checkIntervalMs); zkts reads it from zoo.cfg.
  const refProps: Record<string, string> = {};
  if (withSuper) refProps["zookeeper.DigestAuthenticationProvider.superDigest"] = SUPER_DIGEST;
  for (const k of ["znode.container.checkIntervalMs", "znode.container.maxPerMinute"]) {
    if (config[k] !== undefined) refProps[k] = config[k]!;
  }
  const own = (k: "reference" | "subject") => ({ ...config, ...opts.adminFor?.(k) });
  const startRef = (k: "reference" | "subject" = "reference") =>
    startReferenceZooKeeper({ config: own(k), systemProperties: refProps });
  const startSubject = () =>
    kind === "zkts"
      ? startZkts({
          config: withSuper ? { ...own("subject"), "DigestAuthenticationProvider.superDigest": SUPER_DIGEST } : own("subject"),
        })
      : startRef("subject");
  const [r, s] = await Promise.allSettled([startRef(), startSubject()]);
  if (r.status === "rejected" || s.status === "rejected") {
    if (r.status === "fulfilled") await r.value.stop();
    if (s.status === "fulfilled") await s.value.stop();
    throw r.status === "rejected" ? r.reason : (s as PromiseRejectedResult).reason;
  }
  const reference = r.value;
  const subject = s.value;
  return {
    reference,
    subject,
    subjectKind: kind,
    stop: async () => {
      await Promise.all([reference.stop(), subject.stop()]);
    },
  };
}
