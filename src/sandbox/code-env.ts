// Environment variables that make a program run code: a command line (GIT_EXTERNAL_DIFF,
// PAGER, EDITOR…), whose value the exec policy reads as a script, or a file, library, search
// path or option string (BASH_ENV, LD_PRELOAD, PATH, NODE_OPTIONS, GIT_DIR…), whose effect it
// cannot see. Setting either kind is never known-safe.

/** The value is a command line that some program runs (through sh -c, or as a program). */
const COMMAND_VARS = new Set([
  'GIT_EXTERNAL_DIFF',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_PAGER',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_ASKPASS',
  'GIT_PROXY_COMMAND',
  'SSH_ASKPASS',
  'SUDO_ASKPASS',
  'PAGER',
  'MANPAGER',
  'SYSTEMD_PAGER',
  'EDITOR',
  'VISUAL',
  'FCEDIT',
  'BROWSER',
  'PROMPT_COMMAND',
  'LESSOPEN',
  'LESSCLOSE',
  'RSYNC_RSH',
  'RSYNC_CONNECT_PROG',
  'CVS_RSH',
]);

/** The value loads code, or changes which code or configuration loads. */
const LOADING_VARS = new Set([
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'IFS',
  'PATH',
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_CONFIG_DIRS',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'NODE_OPTIONS',
  'NODE_PATH',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'RUBYOPT',
  'RUBYLIB',
  'LUA_INIT',
  'TAR_OPTIONS',
  'LESS',
  'LESSKEY',
  'LESSKEYIN',
  'MORE',
  'MAKEFLAGS',
  'SHELL',
]);

/** GIT_* variables that only change output, identity or tracing. */
const HARMLESS_GIT =
  /^GIT_(TRACE\w*|AUTHOR_\w+|COMMITTER_\w+|TERMINAL_PROMPT|OPTIONAL_LOCKS|FLUSH|CURL_VERBOSE|\w*_PATHSPECS|NO_REPLACE_OBJECTS|MERGE_AUTOEDIT|PROGRESS_DELAY|REDACT_COOKIES)$/;

/** Variables a read-only command may be given and stay known-safe. */
const HARMLESS =
  /^(LANG|LANGUAGE|LC_[A-Z]+|TZ|NO_COLOR|FORCE_COLOR|CLICOLOR(_FORCE)?|COLUMNS|LINES|TERM)$/;

/** What setting `name` means: a command line, loaded code, or nothing to the policy. */
export function variableKind(name: string): 'command' | 'loads' | null {
  if (COMMAND_VARS.has(name)) return 'command';
  if (LOADING_VARS.has(name) || name.startsWith('LD_') || name.startsWith('DYLD_')) return 'loads';
  if (name.startsWith('GIT_') && !HARMLESS_GIT.test(name)) return 'loads';
  return null;
}

/** True when setting `name` cannot make a read-only command do anything else. */
export function isHarmlessVariable(name: string): boolean {
  return HARMLESS.test(name);
}
