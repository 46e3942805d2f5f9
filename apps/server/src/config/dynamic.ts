/**
 * Dynamic configuration files (ZooKeeper 3.5+, QuorumPeerConfig / QuorumPeer):
 * - `dynamicConfigFile=<path>` in zoo.cfg names the file holding the `server.N` / `group` / `weight` lines; its
 *   version is the hex number after the file name's last dot (`zoo.cfg.dynamic.100000000`), none meaning 0;
 * - with reconfigEnabled=true, a distributed zoo.cfg that still holds its server lines is copied to `zoo.cfg.bak` at
 *   start-up (backupOldConfig), and once the member learns a config with a higher version it writes
 *   `<zoo.cfg>.dynamic.<hex version>` (writeDynamicConfig) and rewrites zoo.cfg without the server lines, pointing at
 *   that file (editStaticConfig); `<zoo.cfg>.dynamic.next` is removed when that config is the last seen one;
 * - with reconfigEnabled=true, a member that sees a newer config proposed (a reconfig PROPOSAL, NEWLEADER, or the
 *   leader's first epoch versioning its config) writes it with its `version=<hex>` line to `<zoo.cfg>.dynamic.next`
 *   (QuorumPeer.setLastSeenQuorumVerifier(qv, true)); with dynamicConfigFile set, QuorumPeerConfig.parse reads that
 *   file back as the last seen config, and every start of a quorum peer removes it (QuorumPeer.setQuorumVerifier at
 *   start-up: the committed config is then also the last seen one), whatever reconfigEnabled says.
 * The text functions here are pure; {@link DynamicConfigFiles} does the file work with node:fs.
 */
import { copyFileSync, existsSync, realpathSync, renameSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, basename, join, resolve } from "node:path";
import { parseQuorumConfig, QuorumConfigError, type QuorumVerifier } from "@zkts/election";
import { javaPropertiesOrder, parseProperties, PropertiesSyntaxError, type PropertyEntry } from "../properties.js";
import { ConfigReader } from "./reader.js";
import { parseServerLine } from "./servers.js";
import { ConfigError, type ServerSpec } from "./types.js";

/** QuorumPeerConfig.getVersionFromFilename: the hex number after the last dot, normalised, or undefined. */
export function versionFromFilename(fileName: string): string | undefined {
  const i = fileName.lastIndexOf(".");
  if (i < 0) return undefined;
  const hex = fileName.slice(i + 1);
  // Long.parseLong(s, 16): an optional sign and hex digits, within a signed 64-bit long
  if (!/^[+-]?[0-9a-fA-F]+$/.test(hex)) return undefined;
  const n = BigInt(hex.startsWith("-") ? `-0x${hex.slice(1)}` : `0x${hex.replace(/^\+/, "")}`);
  if (n < -(1n << 63n) || n >= 1n << 63n) return undefined;
  // Long.toHexString: two's complement for negatives
  return (n < 0n ? n + (1n << 64n) : n).toString(16);
}

/**
 * QuorumPeerConfig.writeDynamicConfig's content: the verifier's text as properties, `key=value` lines sorted as
 * strings (so server.10 before server.2), the version line only when `keepVersion` (the `.next` file), joined by
 * newlines with none at the end.
 */
export function dynamicConfigText(quorumText: string, keepVersion: boolean): string {
  const lines: string[] = [];
  const byKey = new Map<string, string>();
  for (const e of parseProperties(quorumText)) byKey.set(e.key.trim(), e.value.trim());
  for (const [k, v] of byKey) {
    if (!keepVersion && k.startsWith("version")) continue;
    lines.push(`${k}=${v}`);
  }
  return lines.sort().join("\n");
}

/**
 * QuorumPeerConfig.editStaticConfig's content: zoo.cfg's properties in java.util.Properties' order, without
 * server.*, group*, weight*, dynamicConfigFile* and peerType* (and clientPort* when `eraseClientPort`: this
 * member's client address is in the dynamic file), each `key=value\n`, then `dynamicConfigFile=<path>\n`.
 * Comments and blank lines are not kept (ZooKeeper rewrites the file from its Properties).
 */
export function editedStaticConfigText(staticText: string, dynamicFilePath: string, eraseClientPort: boolean): string {
  const byKey = new Map<string, string>();
  for (const e of parseProperties(staticText)) byKey.set(e.key, e.value);
  let out = "";
  for (const key of javaPropertiesOrder([...byKey.keys()])) {
    const k = key.trim();
    if (k.startsWith("server.") || k.startsWith("group") || k.startsWith("weight") || k.startsWith("dynamicConfigFile") || k.startsWith("peerType")) continue;
    if (eraseClientPort && k.startsWith("clientPort")) continue;
    out += `${k}=${byKey.get(key)!.trim()}\n`;
  }
  return `${out}dynamicConfigFile=${dynamicFilePath}\n`;
}

/** AtomicFileWritingIdiom: the content goes to a temporary file next to the target, then replaces it. */
function writeAtomically(path: string, content: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** The member's config files, next to the zoo.cfg it was started with (ZooKeeper's configFilename). */
export class DynamicConfigFiles {
  constructor(readonly configFile: string) {}

  /** `<zoo.cfg>.dynamic.<hex version>` (QuorumPeer.makeDynamicConfigFilename). */
  dynamicFileName(version: bigint): string {
    return `${this.configFile}.dynamic.${version.toString(16)}`;
  }

  /** `<zoo.cfg>.dynamic.next` (QuorumPeer.getNextDynamicConfigFilename). */
  get nextFileName(): string {
    return `${this.configFile}.dynamic.next`;
  }

  /**
   * QuorumPeer.setLastSeenQuorumVerifier(qv, writeToDisk=true): `<zoo.cfg>.dynamic.next` holds the config text with
   * its version line (QuorumPeerConfig.writeDynamicConfig(..., needKeepVersion=true)).
   */
  writeNext(quorumText: string): void {
    writeAtomically(this.nextFileName, dynamicConfigText(quorumText, true));
  }

  /** QuorumPeerConfig.deleteFile(getNextDynamicConfigFilename()): `.next` removed if it exists. */
  removeNext(): void {
    if (existsSync(this.nextFileName)) rmSync(this.nextFileName, { force: true });
  }

  /** QuorumPeerConfig.backupOldConfig: zoo.cfg copied to zoo.cfg.bak. */
  backupOldConfig(): void {
    const bak = `${this.configFile}.bak`;
    const tmp = join(dirname(bak), `.${basename(bak)}.tmp`);
    copyFileSync(this.configFile, tmp);
    renameSync(tmp, bak);
  }

  /**
   * QuorumPeer.setQuorumVerifier(qv, writeToDisk=true): the dynamic file of the new version, zoo.cfg rewritten to
   * point at it (its canonical path), `.next` removed when the last seen config is this one.
   */
  commit(quorumText: string, version: bigint, eraseClientPort: boolean, lastSeenIsThis = true): void {
    const dyn = this.dynamicFileName(version);
    writeAtomically(dyn, dynamicConfigText(quorumText, false));
    const staticText = readFileSync(this.configFile, "utf8");
    writeAtomically(this.configFile, editedStaticConfigText(staticText, realpathSync(resolve(dyn)), eraseClientPort));
    if (lastSeenIsThis) this.removeNext();
  }
}

/** The quorum part of a dynamic file (QuorumPeerConfig.parse with dynamicConfigFile set). */
export interface DynamicConfig {
  file: string;
  servers: ServerSpec[];
  quorumGroups: PropertyEntry[];
  /** From the file name (getVersionFromFilename); 0 when it has none. */
  version: bigint;
  badServerLine: boolean;
}

/**
 * Reads `dynamicConfigFile`: its problems (unreadable, a `version` key, keys other than server.N / group / weight)
 * are added to the static file's reader, each naming the dynamic file and line.
 */
export function readDynamicConfigFile(r: ConfigReader, path: string, readFile: (p: string) => string = (p) => readFileSync(p, "utf8")): DynamicConfig | undefined {
  let text: string;
  try {
    text = readFile(path);
  } catch (e) {
    r.problems.push(`${r.at(r.get("dynamicConfigFile")!)}: Error processing ${path}: ${(e as Error).message}`);
    return undefined;
  }
  let d: ConfigReader;
  try {
    d = ConfigReader.fromText(text, path);
  } catch (e) {
    if (e instanceof ConfigError) {
      r.problems.push(...e.problems);
      return undefined;
    }
    throw e;
  }
  const out: DynamicConfig = { file: path, servers: [], quorumGroups: [], version: 0n, badServerLine: false };
  const v = d.get("version");
  if (v !== undefined) r.problems.push(`${d.at(v)}: dynamic file shouldn't have version inside`);
  for (const e of d.entries()) {
    if (e.key.startsWith("server.")) {
      const spec = parseServerLine(e);
      if (typeof spec === "string") {
        r.problems.push(`${d.at(e)}: ${spec}`);
        out.badServerLine = true;
      } else out.servers.push(spec);
    } else if (e.key.startsWith("group") || e.key.startsWith("weight")) out.quorumGroups.push(e);
    else if (e.key !== "version") r.problems.push(`${d.at(e)}: Unrecognised parameter: ${e.key}`);
  }
  const hex = versionFromFilename(path);
  if (hex !== undefined) out.version = BigInt(`0x${hex}`);
  return out;
}

/**
 * QuorumPeerConfig.parse, after the dynamic file: `<zoo.cfg>.dynamic.next` (the path zoo.cfg was given by, plus the
 * suffix), when it exists, is the last seen config: its server/group/weight lines and `version=<hex>`
 * (createQuorumVerifier; hierarchical when a key starts with group or weight). A file that cannot be read counts as
 * none (ZooKeeper logs "NextQuorumVerifier is initiated to null"); one whose config is invalid is refused, naming it.
 * Only read when zoo.cfg has a dynamicConfigFile.
 */
export function readNextDynamicConfigFile(r: ConfigReader, configFile: string, readFile: (p: string) => string = (p) => readFileSync(p, "utf8")): QuorumVerifier | undefined {
  const path = `${configFile}.dynamic.next`;
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFile(path);
  } catch {
    return undefined;
  }
  try {
    return parseQuorumConfig(parseProperties(text).map((e) => [e.key, e.value] as [string, string]));
  } catch (e) {
    if (!(e instanceof QuorumConfigError) && !(e instanceof PropertiesSyntaxError)) throw e;
    r.problems.push(`${path}: ${e.message}`);
    return undefined;
  }
}
