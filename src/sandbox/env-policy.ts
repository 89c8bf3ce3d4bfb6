// The environment a command gets: the host's, minus anything that looks like a credential.
// The sandbox stops a command from writing where it should not; this stops it from reading the
// keys Yoke itself runs with (and printing them into a transcript the model then sees).

export type EnvPolicyConfig = {
  /** Names (or `*` globs, e.g. `NPM_*`) to keep even though they look like secrets. */
  allow?: readonly string[];
  /** Set after filtering (config `shell_environment_policy.set`). */
  set?: Readonly<Record<string, string>>;
};

export type EnvPolicyResult = {
  env: Record<string, string>;
  /** Names that were dropped, for a debug line (never their values). */
  dropped: string[];
};

/** Credential-looking names: a suffix or a whole `_`-separated word. */
const SECRET_WORDS =
  /(^|_)(KEY|KEYS|TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|PASSWD|PASS|CREDENTIAL|CREDENTIALS|APIKEY|PAT|AUTH|COOKIE)(_|$)/i;
/** Whole families of cloud and model-provider settings. */
const SECRET_PREFIXES = ['AWS_', 'AZURE_', 'OPENAI_', 'ANTHROPIC_', 'CODEX_', 'GCP_', 'GOOGLE_'];
const SECRET_NAMES = new Set([
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GH_TOKEN',
  'GITHUB_TOKEN',
  'NPM_TOKEN',
  'DATABASE_URL',
  'REDIS_URL',
  'SENTRY_DSN',
  'KUBECONFIG',
  'DOCKER_AUTH_CONFIG',
  'NETRC',
]);
/** Never dropped, whatever the patterns say. SSH_AUTH_SOCK is a socket path, not a secret. */
const ALWAYS_KEEP = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TERM',
  'TZ',
  'PWD',
  'COLORTERM',
  'NO_COLOR',
  'SSH_AUTH_SOCK',
]);

/** True when `name` looks like it holds a credential. */
export function isSecretName(name: string): boolean {
  if (ALWAYS_KEEP.has(name) || name.startsWith('LC_')) return false;
  const upper = name.toUpperCase();
  if (SECRET_NAMES.has(upper)) return true;
  if (SECRET_PREFIXES.some((prefix) => upper.startsWith(prefix))) return true;
  return SECRET_WORDS.test(upper);
}

/**
 * The environment for a command: `env` without credential-looking variables (unless allowed),
 * then `config.set`, then TMPDIR when given. Pure.
 */
export function commandEnv(
  env: Readonly<Record<string, string | undefined>>,
  config: EnvPolicyConfig = {},
  tmpDir?: string,
): EnvPolicyResult {
  const allowed = (config.allow ?? []).map(globToRegExp);
  const out: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (isSecretName(name) && !allowed.some((re) => re.test(name))) {
      dropped.push(name);
      continue;
    }
    out[name] = value;
  }
  Object.assign(out, config.set ?? {});
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
  return new RegExp(`^${escaped}$`);
}
