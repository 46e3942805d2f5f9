/** One-shot data tools: `zkts-server purge | import | export`. */
import { NodeStorage, purgeDataDirs } from "@zkts/persistence";

export const TOOLS = ["purge", "import", "export"] as const;

interface ToolArgs {
  positional: string[];
  flags: Map<string, string>;
}

function parse(argv: string[], valued: string[]): ToolArgs {
  const out: ToolArgs = { positional: [], flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("-")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(0, eq) : a;
      if (!valued.includes(name)) throw new Error(`unknown option ${name}`);
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      out.flags.set(name, v);
    } else out.positional.push(a);
  }
  return out;
}

/** Runs a tool; returns the process exit code. */
export async function runTool(name: string, argv: string[], usage: string): Promise<number> {
  const err = (msg: string, code = 2) => {
    process.stderr.write(`zkts-server ${name}: ${msg}\n`);
    return code;
  };
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write(usage);
    return 0;
  }
  try {
    if (name === "purge") {
      const a = parse(argv, ["-n"]);
      const [dataDir, dataLogDir] = a.positional;
      if (dataDir === undefined || a.positional.length > 2) return err(`usage: zkts-server purge <dataDir> [<dataLogDir>] -n <count>`);
      const n = Number(a.flags.get("-n") ?? "3");
      if (!Number.isInteger(n) || n < 3) return err(`-n must be an integer of at least 3 (got ${a.flags.get("-n")})`);
      const r = await purgeDataDirs({ storage: new NodeStorage(), dataDir, dataLogDir: dataLogDir ?? dataDir }, n);
      if (r.retained.length === 0) {
        process.stdout.write("no valid snapshot found: nothing purged\n");
        return 0;
      }
      for (const f of r.removedSnapshots) process.stdout.write(`removed ${f}\n`);
      for (const f of r.removedLogs) process.stdout.write(`removed ${f}\n`);
      process.stdout.write(`kept ${r.retained.length} snapshot(s) and the logs they need\n`);
      return 0;
    }
    if (name === "import" || name === "export") {
      const { runMigration } = await import("./migrate.js");
      return await runMigration(name, argv);
    }
    return err(`unknown tool`);
  } catch (e) {
    return err((e as Error).message, 1);
  }
}
