/**
 * Test support: the Apache Curator side of the cross-tests. CuratorDriver.java is compiled with javac against
 * Debian's libcurator-*-java jars (once per source content: the classes are cached in the temp dir under the
 * source's hash) and run as a child process that speaks lines on stdin/stdout.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = fileURLToPath(new URL("./CuratorDriver.java", import.meta.url));
const JARS = ["curator-client", "curator-framework", "curator-recipes", "curator-x-discovery", "slf4j-nop"].map((j) => `/usr/share/java/${j}.jar`);

/** True when Curator (Debian's libcurator-*-java) and a JDK are installed. */
export function curatorAvailable(): boolean {
  return JARS.every((j) => existsSync(j)) && spawnSync("javac", ["-version"]).status === 0;
}

let compiled: string | undefined;

/** Compiles the driver (cached by content hash) and returns the class directory. */
export function compileDriver(): string {
  if (compiled !== undefined) return compiled;
  const source = readFileSync(SOURCE);
  const hash = createHash("sha256").update(source).update(JARS.join(":")).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), `zkts-curator-driver-${hash}`);
  if (!existsSync(join(dir, "CuratorDriver.class"))) {
    const tmp = `${dir}.${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    const r = spawnSync("javac", ["-nowarn", "-cp", JARS.join(":"), "-d", tmp, SOURCE], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process won the race
    }
  }
  compiled = dir;
  return dir;
}

export interface DriverLine {
  line: string;
  at: number;
}

/** A running Curator contender. */
export class CuratorProcess {
  readonly lines: DriverLine[] = [];
  private waiters: Array<{ test: (l: string) => boolean; resolve: (l: DriverLine) => void; from: number }> = [];
  private onLine?: (line: string) => void;
  private stderr = "";
  private exited = false;
  /** The latest session: id (hex, no 0x) and password. */
  session: { id: bigint; password: Buffer } | undefined;

  private constructor(readonly child: ChildProcess) {
    let buf = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        this.handle(line);
      }
    });
    child.stderr!.on("data", (c: Buffer) => (this.stderr += c.toString()));
    child.once("exit", () => (this.exited = true));
  }

  /** Starts `java CuratorDriver <mode> <args...>`. */
  static start(mode: string, args: string[], opts: { sessionTimeoutMs?: number } = {}): CuratorProcess {
    const dir = compileDriver();
    const child = spawn(
      "java",
      [
        "-Xmx256m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        `-DsessionTimeoutMs=${opts.sessionTimeoutMs ?? 4000}`,
        "-cp",
        [dir, ...JARS].join(":"),
        "CuratorDriver",
        mode,
        ...args,
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    const p = new CuratorProcess(child);
    const kill = () => child.kill("SIGKILL");
    process.once("exit", kill);
    child.once("exit", () => process.removeListener("exit", kill));
    return p;
  }

  /** Called for every line (after the built-in SESSION handling), instead of buffering waits only. */
  setLineHandler(fn: (line: string) => void): void {
    this.onLine = fn;
  }

  private handle(line: string): void {
    if (line === "") return;
    const entry = { line, at: performance.now() };
    this.lines.push(entry);
    if (line.startsWith("SESSION ")) {
      const [, id, pw] = line.split(" ");
      this.session = { id: BigInt("0x" + id), password: Buffer.from(pw!, "hex") };
    }
    this.onLine?.(line);
    const index = this.lines.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index >= w.from && w.test(line)) {
        w.resolve(entry);
        return false;
      }
      return true;
    });
  }

  /** Resolves with the first line (from the `from`-th on, default: any seen so far) matching `test`. */
  waitFor(test: string | ((l: string) => boolean), timeoutMs = 20_000, from = 0): Promise<DriverLine> {
    const t = typeof test === "string" ? (l: string) => l === test || l.startsWith(test + " ") : test;
    const seen = this.lines.slice(from).find((e) => t(e.line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`Curator driver: no line matching ${String(test)} within ${timeoutMs} ms; lines: ${this.lines.map((l) => l.line).join(" | ")}; stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const waiter = {
        test: t,
        from,
        resolve: (l: DriverLine) => {
          clearTimeout(timer);
          resolve(l);
        },
      };
      this.waiters.push(waiter);
    });
  }

  send(line: string): void {
    this.child.stdin!.write(line + "\n");
  }

  /** Ends the process (SIGKILL) and waits for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill("SIGKILL");
    });
  }

  /** Waits for the process to exit by itself. */
  exit(timeoutMs = 20_000): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Curator driver did not exit; stderr: ${this.stderr.slice(-2000)}`)), timeoutMs);
      this.child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
