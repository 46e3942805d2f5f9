import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { nullLogger, type Clock, type Logger } from "./index.js";
import { ManualClock, seededRandom } from "./testing.js";

// The README's usage example, verbatim from `class Heartbeat` to `rnd.next()`, with its comments checked.
it("README example runs", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  expect(readme).toContain('clock.advance(350); // beats = [100, 200, 300]');

  class Heartbeat {
    constructor(private readonly clock: Clock, private readonly log: Logger = nullLogger) {}
    start(everyMs: number, beat: (at: number) => void): void {
      const tick = () => {
        beat(this.clock.monotonic());
        this.clock.setTimer(everyMs, tick);
      };
      this.clock.setTimer(everyMs, tick);
      this.log.debug("heartbeat started", { everyMs });
    }
  }

  const clock = new ManualClock({ monotonic: 0 });
  const beats: number[] = [];
  new Heartbeat(clock).start(100, (at) => beats.push(at));
  clock.advance(350);
  expect(beats).toEqual([100, 200, 300]);

  const rnd = seededRandom(42);
  expect(rnd.next()).toBe(seededRandom(42).next());
});
