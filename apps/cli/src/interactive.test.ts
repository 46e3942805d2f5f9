/**
 * zkcli in a pseudo-terminal (util-linux `script` allocates it): the prompt, tab completion of a command name and
 * of a znode path (children asked from the server), history recall with the up arrow, and history persisted to
 * the history file and recalled by the next session. Every step waits for the output it expects.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@zkts/client";
import { freePort, startZkts, type ZktsServer } from "@zkts/testkit";
import { loadHistory, saveHistory, HISTORY_LIMIT } from "./cli.js";
import { ZKCLI_BIN } from "./test-helpers.js";

const haveScript = spawnSync("script", ["--version"]).status === 0;
const UP = "\x1b[A";
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/\r/g, "");

class Pty {
  private out = "";
  private waiters: Array<() => void> = [];
  readonly child: ChildProcessWithoutNullStreams;
  constructor(args: string[], env: Record<string, string>) {
    const cmd = [process.execPath, ZKCLI_BIN, ...args].map((a) => `'${a}'`).join(" ");
    this.child = spawn("script", ["-qfec", cmd, "/dev/null"], { env: { ...process.env, ...env, TERM: "xterm" } });
    const onData = (c: Buffer) => {
      this.out += c.toString();
      for (const w of this.waiters.splice(0)) w();
    };
    this.child.stdout.on("data", onData);
    this.child.stderr.on("data", onData);
  }
  /** All output so far with escape sequences and CRs removed. */
  get text(): string {
    return strip(this.out);
  }
  send(keys: string): void {
    this.child.stdin.write(keys);
  }
  /** Waits until the cleaned output after `from` matches. */
  async until(pattern: RegExp | string, from = 0, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = this.text.slice(from);
      const i = typeof pattern === "string" ? t.indexOf(pattern) : t.search(pattern);
      if (i >= 0) return from + i;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${String(pattern)}; output:\n${this.text}`);
      await new Promise<void>((r) => {
        const t2 = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t2);
          r();
        });
      });
    }
  }
  exited(): Promise<number | null> {
    return new Promise((r) => (this.child.exitCode !== null ? r(this.child.exitCode) : this.child.once("exit", (c) => r(c))));
  }
}

describe.skipIf(!haveScript)("interactive mode in a pseudo-terminal", () => {
  let zkts: ZktsServer;
  let dir: string;
  beforeAll(async () => {
    zkts = await startZkts();
    dir = mkdtempSync(join(tmpdir(), "zkcli-pty-"));
    const c = await connect(zkts.connectString);
    await c.create("/completion-target", "x");
    await c.create("/completion-target/child-one");
    await c.create("/completion-target/child-two");
    await c.close();
  }, 60_000);
  afterAll(async () => {
    await zkts?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prompt, command and path completion, history recall, persistent history", async () => {
    const histFile = join(dir, "history");
    const env = { ZKCLI_HISTORY: histFile };
    const prompt = (n: number) => `[zk: ${zkts.connectString}(CONNECTED) ${n}] `;
    const p = new Pty(["-server", zkts.connectString], env);
    try {
      let at = await p.until(prompt(0));

      // A command name: "getAl" + TAB completes to "getAllChildrenNumber ".
      p.send("getAl\t");
      at = await p.until("getAllChildrenNumber ", at);
      // A path: "/compl" + TAB asks the server for the children of "/" and completes to "/completion-target".
      p.send("/compl\t");
      at = await p.until("getAllChildrenNumber /completion-target", at);
      p.send("\r");
      at = await p.until(/\n2\n/, at);
      at = await p.until(prompt(1), at);

      // Children of a deeper parent: two candidates share "child-", which is completed; then "t" + TAB finishes.
      p.send("ls /completion-target/c\t");
      at = await p.until("ls /completion-target/child-", at);
      p.send("t\t");
      at = await p.until("ls /completion-target/child-two", at);
      p.send("\r");
      at = await p.until("ls /completion-target/child-two\n[]\n", at);
      at = await p.until(prompt(2), at);

      // Up arrow recalls the previous line; Enter runs it again.
      p.send(UP);
      at = await p.until("ls /completion-target/child-two", at);
      p.send("\r");
      await p.until(prompt(3), at);

      p.send("quit\r");
      expect(await p.exited()).toBe(0);
    } finally {
      p.child.kill();
    }
    const saved = readFileSync(histFile, "utf8").trim().split("\n");
    expect(saved).toEqual(["getAllChildrenNumber /completion-target", "ls /completion-target/child-two", "quit"]);

    // A new session recalls the saved history: two ups reach the ls line.
    const q = new Pty(["-server", zkts.connectString], env);
    try {
      let at = await q.until(prompt(0));
      q.send(UP + UP);
      at = await q.until("ls /completion-target/child-two", at);
      q.send("\r");
      await q.until(prompt(1), at);
      q.send("quit\r");
      expect(await q.exited()).toBe(0);
    } finally {
      q.child.kill();
    }
  }, 90_000);

  it("the prompt follows the connection state without waiting for Enter", async () => {
    const port = await freePort(); // nothing listens there yet
    const server = `127.0.0.1:${port}`;
    const prompt = (state: string, n: number) => `[zk: ${server}(${state}) ${n}] `;
    const p = new Pty(["-server", server], { ZKCLI_HISTORY: join(dir, "follow-history") });
    let late: ZktsServer | undefined;
    try {
      // Every attempt is refused: the first prompt comes at once (not after the 30 s session timeout).
      let at = await p.until(prompt("CONNECTING", 0), 0, 10_000);
      // The server comes up: the prompt turns CONNECTED by itself.
      late = await startZkts({ port });
      at = await p.until(prompt("CONNECTED", 0), at);
      // Text typed but not entered is kept across the redraw.
      p.send("ls /");
      at = await p.until("ls /", at);
      // The server goes away: the prompt turns CONNECTING again, with the typed text.
      await late.stop();
      late = undefined;
      await p.until(prompt("CONNECTING", 0) + "ls /", at);
      p.send("\x15quit\r"); // Ctrl-U clears the line
      expect(await p.exited()).toBe(0);
    } finally {
      p.child.kill();
      await late?.stop();
    }
  }, 90_000);

  it("history file is bounded", () => {
    const f = join(dir, "bounded");
    const many = Array.from({ length: HISTORY_LIMIT + 50 }, (_, i) => `ls /n${i}`).reverse(); // newest first
    saveHistory(f, many);
    const lines = readFileSync(f, "utf8").trim().split("\n");
    expect(lines).toHaveLength(HISTORY_LIMIT);
    expect(lines.at(-1)).toBe(`ls /n${HISTORY_LIMIT + 49}`);
    expect(loadHistory(f)[0]).toBe(`ls /n${HISTORY_LIMIT + 49}`);
  });
});
