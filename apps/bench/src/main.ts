/** The zkts-bench command line. */
import { ArgError, parseArgs, USAGE, type Command } from "./args.js";
import { runBenchmark, workerMain } from "./bench.js";
import { runCompare } from "./compare.js";
import { runEnsembleCompare } from "./compare-ensemble.js";
import { runScaleCompare } from "./compare-scale.js";
import { runZnodesCompare } from "./compare-znodes.js";
import { pauseControlMain, startPauseControl } from "./pause-control.js";
import { formatWatchScale, runWatchScale, watchScaleFailed } from "./scale.js";
import { formatResult } from "./format.js";
import { formatProfile, summariseProfileFile } from "./profile.js";

async function main(): Promise<void> {
  let cmd: Command;
  try {
    cmd = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ArgError) {
      process.stderr.write(`zkts-bench: ${e.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const log = (line: string) => process.stderr.write(line + "\n");
  switch (cmd.command) {
    case "help":
      process.stdout.write(cmd.text);
      return;
    case "worker":
      workerMain();
      return;
    case "pause-control":
      pauseControlMain();
      return;
    case "run": {
      if (cmd.options.watches > 0) {
        const control = await startPauseControl();
        const w = await runWatchScale(cmd.options, { log, control }).finally(() => control.stop());
        process.stdout.write((cmd.options.json ? JSON.stringify(w, null, 2) : formatWatchScale(w)) + "\n");
        if (watchScaleFailed(w)) process.exitCode = 1;
        return;
      }
      const r = await runBenchmark(cmd.options, { log });
      process.stdout.write((cmd.options.json ? JSON.stringify(r, null, 2) : formatResult(r)) + "\n");
      if (r.errors > 0 || r.errorsOutsideWindow > 0 || r.connectionsLost > 0 || (r.sessions && r.sessions.failed > 0)) process.exitCode = 1;
      return;
    }
    case "profile":
      process.stdout.write(formatProfile(summariseProfileFile(cmd.file, cmd.top)) + "\n");
      return;
    case "compare":
      if (cmd.options.znodes > 0) await runZnodesCompare(cmd.options, log);
      else if (cmd.options.scale) await runScaleCompare(cmd.options, log);
      else if (cmd.options.ensemble > 0) await runEnsembleCompare(cmd.options, log);
      else await runCompare(cmd.options, log);
      return;
  }
}

main().catch((e: Error) => {
  process.stderr.write(`zkts-bench: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
