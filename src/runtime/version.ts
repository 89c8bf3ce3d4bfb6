// The version Yoke reports (CLI, userAgent, thread cliVersion): a module of its own so that
// `yoke --version` and `yoke help` load nothing else.
export const CLI_VERSION = '0.1.0';
