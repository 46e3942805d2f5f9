/**
 * Every command that runs against a session, by name, gathered from the modules that follow zkCli.sh's own
 * grouping of org.apache.zookeeper.cli. The shell's own commands (history, redo, printwatches, connect, quit) are
 * dispatched in shell.ts, as ZooKeeperMain does.
 */
import type { Command } from "./base.js";
import { ACL_COMMANDS } from "./acl.js";
import { CONFIG_COMMANDS } from "./config.js";
import { DUMP_COMMANDS } from "./dump.js";
import { NODE_COMMANDS } from "./node.js";
import { QUOTA_COMMANDS } from "./quota.js";
import { WATCH_COMMANDS } from "./watch.js";

export const SESSION_COMMANDS: Readonly<Record<string, Command | undefined>> = {
  ...NODE_COMMANDS,
  ...ACL_COMMANDS,
  ...WATCH_COMMANDS,
  ...QUOTA_COMMANDS,
  ...CONFIG_COMMANDS,
  ...DUMP_COMMANDS,
};
