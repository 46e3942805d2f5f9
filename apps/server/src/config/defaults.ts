/** The configuration `zkts-server` runs with when given no zoo.cfg. */
export const DEFAULT_CONFIG_TEXT = `# zkts-server built-in defaults
tickTime=2000
dataDir=./.zkts-data
clientPort=2181
4lw.commands.whitelist=*
`;
