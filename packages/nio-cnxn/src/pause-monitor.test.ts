import { M, MetricsRegistry } from "@zkts/metrics";
import { afterEach, describe, expect, it } from "vitest";
import { startPauseMonitor, type PauseMonitor } from "./pause-monitor.js";
import { sleep } from "./testing/harness.js";

/** Keeps the JavaScript thread busy for `ms` (what a long synchronous loop in the server does). */
function block(ms: number): void {
  const t = performance.now();
  while (performance.now() - t < ms) {
    // busy
  }
}

function memLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (msg: string) => void lines.push({ level, msg });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const monitors: PauseMonitor[] = [];
afterEach(() => {
  for (const m of monitors.splice(0)) m.stop();
});

describe("pause monitor (jvm.pause.monitor)", () => {
  it("records each late timer into jvm_pause_time_ms, logs pauses over the thresholds, resets with srst", { timeout: 10_000 }, async () => {
    const metrics = new MetricsRegistry();
    const logger = memLogger();
    const mon = startPauseMonitor(metrics, { sleepTimeMs: 10, infoThresholdMs: 200, warnThresholdMs: 100_000, logger });
    monitors.push(mon);
    await sleep(60);
    block(300);
    await sleep(60);
    const s = metrics.summary(M.JVM_PAUSE_TIME);
    expect(s.detail).toBe("advanced");
    expect(s.count).toBeGreaterThan(1);
    // The timer was due during the 300 ms block: it fired at least ~290 ms late.
    expect(s.max).toBeGreaterThanOrEqual(280);
    expect(mon.infoThresholdExceeded).toBe(1);
    expect(mon.warnThresholdExceeded).toBe(0);
    expect(mon.totalPauseMs).toBeGreaterThanOrEqual(280);
    const pauseLines = logger.lines.filter((l) => l.msg.startsWith("Detected pause"));
    expect(pauseLines).toHaveLength(1);
    expect(pauseLines[0]!.level).toBe("info");
    expect(pauseLines[0]!.msg).toMatch(/pause of approximately \d+ ms, total pause: info level: 1, warn level: 0/);
    // srst: the summary restarts
    metrics.reset();
    expect(s.count).toBe(0);
    expect(s.max).toBe(0);
    await sleep(60);
    expect(s.count).toBeGreaterThan(0);
  });

  it("logs at warn over the warn threshold", { timeout: 10_000 }, async () => {
    const metrics = new MetricsRegistry();
    const logger = memLogger();
    monitors.push(startPauseMonitor(metrics, { sleepTimeMs: 10, infoThresholdMs: 50, warnThresholdMs: 150, logger }));
    await sleep(30);
    block(250);
    await sleep(30);
    expect(logger.lines.filter((l) => l.level === "warn" && l.msg.startsWith("Detected pause"))).toHaveLength(1);
  });

  it("records nothing once stopped", async () => {
    const metrics = new MetricsRegistry();
    const mon = startPauseMonitor(metrics, { sleepTimeMs: 5, infoThresholdMs: 1000, warnThresholdMs: 10_000 });
    mon.stop();
    await sleep(40);
    expect(metrics.summary(M.JVM_PAUSE_TIME).count).toBe(0);
  });
});
