/**
 * The node adapter behind the commands' `HostFacts`: what `envi` / `environment` and `mntr` / `monitor` read from
 * the process and the host (os, /proc). Kept apart so the command records (commands.ts) stay pure.
 */
import * as os from "node:os";
import { readdirSync, readFileSync } from "node:fs";
import type { HostFacts } from "./commands.js";

/** Environment.list as ZooKeeper prints it, with the Node.js equivalents of the JVM's properties. */
function environment(): [string, string][] {
  const mb = (n: number) => `${Math.floor(n / (1024 * 1024))}MB`;
  const mem = process.memoryUsage();
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  let user = "";
  let home = "";
  try {
    const u = os.userInfo();
    user = u.username;
    home = u.homedir;
  } catch {
    // no passwd entry
  }
  return [
    // The server's version replaces this placeholder (environmentRecord).
    ["zookeeper.version", ""],
    ["host.name", os.hostname()],
    ["java.version", process.versions.node],
    ["java.vendor", "Node.js"],
    ["java.home", process.execPath],
    ["java.class.path", process.argv[1] ?? ""],
    ["java.library.path", ""],
    ["java.io.tmpdir", os.tmpdir()],
    ["java.compiler", "<NA>"],
    ["os.name", os.type()],
    ["os.arch", arch],
    ["os.version", os.release()],
    ["user.name", user],
    ["user.home", home],
    ["user.dir", process.cwd()],
    ["os.memory.free", mb(mem.heapTotal - mem.heapUsed)],
    ["os.memory.max", mb(os.totalmem())],
    ["os.memory.total", mb(mem.heapTotal)],
  ];
}

function maxFileDescriptors(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function openFileDescriptors(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}

/** This process's facts. */
export const nodeHost: HostFacts = { environment, maxFileDescriptors, openFileDescriptors };
