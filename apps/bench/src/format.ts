/** Human-readable output of a BenchResult. */
import type { BenchResult } from "./bench.js";
import type { LatencySummary } from "./histogram.js";

const int = (n: number) => Math.round(n).toLocaleString("en-US");

/** Microseconds as a short millisecond figure: 0.213, 4.56, 123. */
export function ms(us: number): string {
  const v = us / 1000;
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export function latencyLine(l: LatencySummary): string {
  return `p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  p99.9 ${ms(l.p999)}  max ${ms(l.max)}  mean ${ms(l.mean)}`;
}

export function formatResult(r: BenchResult): string {
  const lines: string[] = [];
  const shape = r.workload.startsWith("idle+probe:")
    ? `1 probe connection at depth 1`
    : `${r.connections} connections x depth ${r.depth}`;
  lines.push(
    `zkts-bench: ${r.workload} on ${r.server}, ${shape}, ${r.procs} process${r.procs === 1 ? "" : "es"}, ` +
      `${r.valueSize}-byte values, ${r.keys} keys`,
  );
  lines.push(
    `  throughput  ${int(r.throughput)} ops/s  (${int(r.ops)} ops in ${(r.durationMs / 1000).toFixed(2)} s), ` +
      `errors ${r.errors}` +
      (r.errors > 0 ? ` ${JSON.stringify(r.errorsByCode)}` : "") +
      (r.errorsOutsideWindow > 0 ? `, ${r.errorsOutsideWindow} more outside the measured window` : "") +
      (r.firstError !== undefined ? ` (first: ${r.firstError})` : "") +
      (r.connectionsLost > 0 ? `, ${r.connectionsLost} connections lost` : ""),
  );
  lines.push(`  latency ms  ${latencyLine(r.latencyUs)}`);
  const ops = Object.entries(r.byOp);
  if (ops.length > 1) {
    for (const [w, s] of ops) {
      lines.push(`  ${w.padEnd(11)} ${int(s!.throughput)} ops/s, errors ${s!.errors}, ${latencyLine(s!.latencyUs)}`);
    }
  }
  if (r.sessions) {
    const s = r.sessions;
    lines.push(
      `  sessions    ${s.opened}/${s.requested} opened in ${(s.openMs / 1000).toFixed(2)} s` +
        (s.failed > 0 ? ` (${s.failed} failed: ${s.firstError})` : "") +
        `, ${s.alive} alive at the end, pings answered ${s.pingsAnswered}/${s.pingsSent}`,
    );
  }
  if (r.setup) {
    lines.push(
      `  set-up      ${int(r.setup.created)} creates in ${(r.setup.ms / 1000).toFixed(2)} s (${int(r.setup.perSecond)}/s)`,
    );
  }
  lines.push(
    `  bench CPU   ${r.bench.cpuPercentOfOneCore.toFixed(0)}% of one core (machine has ${r.bench.cores}); ` +
      `load average ${r.loadavg.map((x) => x.toFixed(2)).join(" ")}`,
  );
  return lines.join("\n");
}
