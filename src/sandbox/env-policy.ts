// The environment a command gets. By default only a known-safe set of the host's variables
// (PATH, HOME, locale, terminal, toolchain locations…): a variable is a secret until shown
// otherwise (PGPASSWORD, MYSQL_PWD, SSHPASS, MONGODB_URI, SLACK_WEBHOOK_URL, GPG_PASSPHRASE…
// were all passed when only *_KEY/*_TOKEN/*_SECRET were dropped). Config widens or narrows it in
// Codex's shape (`shell_environment_policy`), applied in Codex's order:
//   1. start from `inherit`: "core" (the set below, default), "all", or "none";
//   2. drop credential-looking names and values (unless `ignore_default_excludes`);
//   3. drop the `exclude` patterns; 4. add `set`; 5. keep only `include_only`, when given.
// Patterns are case-insensitive globs (`NPM_*`). TMPDIR/TMP/TEMP are then set to the sandbox's.

export type EnvInherit = 'core' | 'all' | 'none';

export type EnvPolicyConfig = {
  inherit?: EnvInherit;
  ignoreDefaultExcludes?: boolean;
  exclude?: readonly string[];
  set?: Readonly<Record<string, string>>;
  includeOnly?: readonly string[];
};

export type EnvPolicyResult = {
  env: Record<string, string>;
  /** Names that were dropped, for a debug line (never their values). */
  dropped: string[];
};

/** The known-safe set ("core"): how to run things, never credentials. */
const CORE = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'USERNAME',
  'SHELL',
  'PWD',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TZ',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'FORCE_COLOR',
  'CLICOLOR',
  'CI',
  'TMPDIR',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  // toolchain locations
  'LD_LIBRARY_PATH',
  'PKG_CONFIG_PATH',
  'CC',
  'CXX',
  'JAVA_HOME',
  'GOROOT',
  'GOPATH',
  'GOBIN',
  'GOCACHE',
  'GOMODCACHE',
  'CARGO_HOME',
  'RUSTUP_HOME',
  'RUSTUP_TOOLCHAIN',
  'NVM_DIR',
  'NVM_BIN',
  'PNPM_HOME',
  'BUN_INSTALL',
  'DENO_DIR',
  'PYENV_ROOT',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'CONDA_DEFAULT_ENV',
  'GEM_HOME',
  'GEM_PATH',
  'RBENV_ROOT',
  'SDKMAN_DIR',
  'ANDROID_HOME',
  'ANDROID_SDK_ROOT',
].map(globToRegExp);

/** Credential-looking names: a suffix or a whole `_`-separated word. */
const SECRET_WORDS =
  /(^|_)(KEY|KEYS|TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|PASSWD|PASS|PASSPHRASE|PWD|CREDENTIAL|CREDENTIALS|APIKEY|PAT|AUTH|COOKIE|COOKIES|SESSION|WEBHOOK|DSN|PRIVATE)(_|$)/i;
/** Words so telling that they count even glued on (PGPASSWORD, GITHUBTOKEN). */
const SECRET_SUFFIX = /(PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|APIKEY|CREDENTIALS?)$/i;
/** Whole families of cloud and model-provider settings. */
const SECRET_PREFIXES = ['AWS_', 'AZURE_', 'OPENAI_', 'ANTHROPIC_', 'CODEX_', 'GCP_', 'GOOGLE_'];
const SECRET_NAMES = new Set([
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GH_TOKEN',
  'GITHUB_TOKEN',
  'NPM_TOKEN',
  'DATABASE_URL',
  'REDIS_URL',
  'MONGODB_URI',
  'SENTRY_DSN',
  'SSHPASS',
  'KUBECONFIG',
  'DOCKER_AUTH_CONFIG',
  'NETRC',
]);
/** Never dropped by name: not secrets, whatever the words say (PWD is the directory). */
const NOT_SECRETS = new Set(['PWD', 'OLDPWD', 'SSH_AUTH_SOCK']);

/** True when `name` looks like it holds a credential. */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (NOT_SECRETS.has(upper) || upper.startsWith('LC_')) return false;
  if (SECRET_NAMES.has(upper)) return true;
  if (SECRET_PREFIXES.some((prefix) => upper.startsWith(prefix))) return true;
  return SECRET_WORDS.test(upper) || SECRET_SUFFIX.test(upper);
}

/** A URL carrying a user and password (`postgres://u:p@db`, a proxy with a login). */
export function hasUrlCredentials(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value);
}

/** The environment for a command under `config` (see the top of this file). Pure. */
export function commandEnv(
  env: Readonly<Record<string, string | undefined>>,
  config: EnvPolicyConfig = {},
  tmpDir?: string,
): EnvPolicyResult {
  const inherit = config.inherit ?? 'core';
  const exclude = (config.exclude ?? []).map(globToRegExp);
  const only = (config.includeOnly ?? []).map(globToRegExp);
  const out: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const keep = inherit === 'all' || (inherit === 'core' && CORE.some((re) => re.test(name)));
    const secret =
      !config.ignoreDefaultExcludes && (isSecretName(name) || hasUrlCredentials(value));
    if (!keep || secret || exclude.some((re) => re.test(name))) {
      dropped.push(name);
      continue;
    }
    out[name] = value;
  }
  Object.assign(out, config.set ?? {});
  if (only.length) {
    for (const name of Object.keys(out)) {
      if (only.some((re) => re.test(name))) continue;
      delete out[name];
      dropped.push(name);
    }
  }
  if (tmpDir !== undefined) {
    out.TMPDIR = tmpDir;
    // Some tools read these instead of TMPDIR.
    out.TMP = tmpDir;
    out.TEMP = tmpDir;
  }
  return { env: out, dropped: dropped.sort() };
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`, 'i');
}
