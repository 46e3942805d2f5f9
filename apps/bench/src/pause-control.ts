/**
 * The host's share of a pause: a process that does nothing but time a 10 ms timer (as the servers' pause monitors
 * do, jvm.pause.sleep.time.ms=10), so a server's longest pause can be read beside the longest one an idle process
 * saw at the same time on the same (shared) machine. Runs as `zkts-bench __pause-control` (forked), answering
 * "reset" / "read" over IPC.
 */
import { fork, type ChildProcess } from "node:child_process";
import { BIN } from "./bench.js";

const SLEEP_MS = 10;

/** Entry of the forked control process. */
export function pauseControlMain(): void {
  let max = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const extra = now - last - SLEEP_MS;
    last = now;
    if (extra > max) max = extra;
  }, SLEEP_MS);
  process.on("message", (m: { type: string }) => {
    if (m.type === "reset") max = 0;
    else if (m.type === "read") process.send!({ type: "max", max: Math.floor(max) });
    else if (m.type === "stop") {
      clearInterval(timer);
      process.disconnect();
    }
  });
  process.send!({ type: "ready" });
}

export interface PauseControl {
  /** Starts a new window. */
  reset(): void;
  /** The longest extra delay of the 10 ms timer since the last reset (ms). */
  read(): Promise<number | undefined>;
  stop(): void;
}

/** Forks the control process and waits until it runs. */
export async function startPauseControl(): Promise<PauseControl> {
  const child: ChildProcess = fork(BIN, ["__pause-control"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`the pause control process exited (${code})`)));
  });
  return {
    reset() {
      if (child.connected) child.send({ type: "reset" });
    },
    read() {
      if (!child.connected) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 5000);
        child.once("message", (m: { max?: number }) => {
          clearTimeout(timer);
          resolve(m.max);
        });
        child.send({ type: "read" });
      });
    },
    stop() {
      if (child.connected) child.send({ type: "stop" });
      setTimeout(() => child.exitCode === null && child.kill(), 2000).unref();
    },
  };
}
