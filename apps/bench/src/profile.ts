/**
 * Summary of a V8 .cpuprofile (node --cpu-prof): self time per function and per package, so a profile of the
 * server under load reads as a short table. `zkts-bench profile <file.cpuprofile> [--top N]`.
 */
import { readFileSync } from "node:fs";

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  /** Self time in ms. */
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time spent outside idle/program/GC pseudo-frames, in ms. */
  busyMs: number;
  idleMs: number;
  gcMs: number;
  functions: ProfileEntry[];
  packages: ProfileEntry[];
}

/** Where a frame's code lives: @zkts/<pkg>, node:<internal>, a dependency, or a V8 pseudo-frame. */
export function packageOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const m = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (m && !url.includes("/node_modules/")) return `@zkts/${m[2]}`;
  const nm = /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith("node:")) {
    const parts = url.slice(5).split("/");
    return `node:${parts[0] === "internal" ? parts.slice(0, 2).join("/") : parts[0]}`;
  }
  return url;
}

function shortUrl(url: string): string {
  const m = /\/((?:packages|apps)\/.+)$/.exec(url);
  if (m && !url.includes("/node_modules/")) return m[1]!;
  const nm = /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(.+)$/.exec(url);
  if (nm) return nm[1]!;
  return url;
}

export function summariseProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map<number, CpuProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    const { samples, timeDeltas } = profile;
    for (let i = 0; i < samples.length; i++) {
      // timeDeltas[i] is the time before sample i; attribute the gap after a sample to it.
      const dt = timeDeltas[i + 1] ?? 0;
      selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, dt));
    }
  } else {
    const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0));
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * interval);
  }
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    total += us;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    if (functionName === "(garbage collector)") gc += us;
    const name = url === "" ? functionName || "(anonymous)" : `${functionName || "(anonymous)"} ${shortUrl(url)}:${lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const p = packageOf(url, functionName);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
  }
  const busy = total - idle;
  const entries = (m: Map<string, number>, limit: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: busy > 0 ? (us / busy) * 100 : 0 }));
  return { totalMs: total / 1000, busyMs: busy / 1000, idleMs: idle / 1000, gcMs: gc / 1000, functions: entries(fn, top), packages: entries(pkg, 15) };
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [
    `profile: ${(s.totalMs / 1000).toFixed(1)} s sampled, busy ${(s.busyMs / 1000).toFixed(1)} s ` +
      `(${s.totalMs > 0 ? ((s.busyMs / s.totalMs) * 100).toFixed(0) : 0}%), GC ${(s.gcMs / 1000).toFixed(2)} s; self time in % of busy time`,
    "",
    "by package:",
    ...s.packages.map((e) => `  ${e.percent.toFixed(1).padStart(5)}%  ${e.name}`),
    "",
    "top functions:",
    ...s.functions.map((e) => `  ${e.percent.toFixed(1).padStart(5)}%  ${e.name}`),
  ];
  return lines.join("\n");
}

export function summariseProfileFile(file: string, top = 25): ProfileSummary {
  return summariseProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, top);
}
