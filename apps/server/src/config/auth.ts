/** The super user's digest: from zoo.cfg, the environment or the JVM `-D` flags ZooKeeper's scripts pass. */
import type { ConfigReader } from "./reader.js";
import type { ZkConfig } from "./types.js";

export type SuperDigest = Pick<ZkConfig, "superDigest" | "superDigestSource">;

/** zoo.cfg, then ZKTS_SUPER_DIGEST, then -D flags in SERVER_JVMFLAGS / JVMFLAGS; the first one found wins. */
export function readSuperDigest(r: ConfigReader, env: Record<string, string | undefined>): SuperDigest {
  let superDigest: string | undefined;
  let superDigestSource: string | undefined;
  for (const key of ["zookeeper.DigestAuthenticationProvider.superDigest", "DigestAuthenticationProvider.superDigest"]) {
    const e = r.get(key);
    if (e !== undefined && superDigest === undefined) {
      superDigest = e.value;
      superDigestSource = `${r.at(e)} ${key}`;
    }
  }
  if (superDigest === undefined && env.ZKTS_SUPER_DIGEST) {
    superDigest = env.ZKTS_SUPER_DIGEST;
    superDigestSource = "environment ZKTS_SUPER_DIGEST";
  }
  for (const v of ["SERVER_JVMFLAGS", "JVMFLAGS"]) {
    if (superDigest !== undefined) break;
    const flags = env[v];
    if (!flags) continue;
    const d = jvmSystemProperty(flags, "zookeeper.DigestAuthenticationProvider.superDigest");
    if (d !== undefined) {
      superDigest = d;
      superDigestSource = `environment ${v}`;
    }
  }
  if (superDigest !== undefined && !/^[^:]+:.+$/.test(superDigest)) {
    r.problems.push(`${superDigestSource}: superDigest must look like "super:<base64 sha1 digest>"`);
  }
  return { superDigest, superDigestSource };
}

/** Finds `-D<name>=<value>` in a JVM flags string (values may be quoted). */
export function jvmSystemProperty(flags: string, name: string): string | undefined {
  const tokens = flags.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  let found: string | undefined;
  for (const t of tokens) {
    const unq = t.replace(/"([^"]*)"|'([^']*)'/g, (_m, a: string | undefined, b: string | undefined) => a ?? b ?? "");
    const prefix = `-D${name}=`;
    if (unq.startsWith(prefix)) found = unq.slice(prefix.length);
  }
  return found;
}
