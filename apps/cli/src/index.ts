export { Shell, type ShellOptions } from "./shell.js";
export { CliError, COMMANDS, EXTRA_COMMANDS } from "./commands/base.js";
export { VERSION } from "./version.js";
export { listSubTreeBFS, visitSubTreeDFS } from "./zkutil.js";
export { main, parseMainArgs, loadHistory, saveHistory, historyFile, HISTORY_LIMIT, type MainOptions } from "./cli.js";
export { complete } from "./complete.js";
export { exportTree, importTree, readDump, kindOf, type ExportResult, type ImportResult, type DumpContents } from "./tree-dump.js";
export { splitCommand, parseOptions, ParseError } from "./args.js";
export * from "./format.js";
