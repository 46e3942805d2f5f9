/**
 * Tab completion as zkCli.sh's JLineZNodeCompleter: the first word completes to command names, a word that starts
 * with `/` to znode paths (the children of the typed prefix's parent, asked from the server).
 */
import type { ZooKeeperClient } from "@zkts/client";
import { ALL_COMMAND_NAMES } from "./commands/base.js";

export type Completion = [matches: string[], word: string];

export async function complete(line: string, client: ZooKeeperClient | undefined): Promise<Completion> {
  const word = /(\S*)$/.exec(line)?.[1] ?? "";
  const before = line.slice(0, line.length - word.length);
  if (before.trim() === "") {
    return [ALL_COMMAND_NAMES.filter((c) => c.startsWith(word)).map((c) => c + " "), word];
  }
  if (!word.startsWith("/") || !client) return [[], word];
  const slash = word.lastIndexOf("/");
  const dir = word.slice(0, slash + 1);
  const prefix = word.slice(slash + 1);
  const parent = dir === "/" ? "/" : dir.slice(0, -1);
  let children: string[];
  try {
    children = await client.getChildren(parent, { timeout: 5000 });
  } catch {
    return [[], word];
  }
  const matches = children
    .filter((c) => c.startsWith(prefix))
    .sort()
    .map((c) => dir + c);
  return [matches, word];
}
