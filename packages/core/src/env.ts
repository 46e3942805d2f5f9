/**
 * Injected components: the core never reads the time, schedules, draws randomness or logs on its own. The
 * contracts are @zkts/contracts'; `apps/server` wires real implementations, tests the doubles of
 * `@zkts/contracts/testing` (`ManualClock`, `seededRandom`) and `nullLogger`.
 */
export { nullLogger, type Clock, type Logger, type Random, type TimerHandle } from "@zkts/contracts";
