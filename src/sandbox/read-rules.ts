// What the sandbox hides from commands and from the file tools: credentials, browser profiles
// and Yoke's own state ($YOKE_HOME: the daemon's bearer token, every thread in yoke.db). A
// command's output goes to the model, so whatever it can read, a prompt injection can
// exfiltrate. Hidden paths look empty inside the sandbox (an empty directory or file).
//
// Which rule applies to a path is decided by depth: the deepest of the hidden paths, the holes
// punched into them (`allow_read`) and the writable roots that contains the path wins. So a
// workspace inside a hidden directory stays visible (a task's worktree under $YOKE_HOME), and a
// hidden path inside the workspace stays hidden (~/.ssh when the workspace is $HOME).
import { isAbsolute, join, normalize } from 'node:path';
import { SandboxError } from './errors.ts';

/** Hidden by default, relative to HOME. */
export const HOME_SECRETS: readonly string[] = [
  // keys and credential stores
  '.ssh',
  '.gnupg',
  '.password-store',
  '.local/share/keyrings',
  '.netrc',
  '.git-credentials',
  '.config/git/credentials',
  '.pgpass',
  '.my.cnf',
  '.vault-token',
  // cloud, cluster and container credentials
  '.aws',
  '.azure',
  '.config/gcloud',
  '.kube',
  '.docker',
  '.config/containers/auth.json',
  '.oci',
  '.boto',
  '.s3cfg',
  '.config/doctl',
  '.terraform.d/credentials.tfrc.json',
  // forges and package registries
  '.config/gh',
  '.config/hub',
  '.npmrc',
  '.yarnrc',
  '.pypirc',
  '.gem/credentials',
  '.cargo/credentials',
  '.cargo/credentials.toml',
  '.m2/settings.xml',
  '.gradle/gradle.properties',
  // other agents' logins
  '.codex',
  '.claude',
  '.config/op',
  // browser profiles (cookies, saved passwords)
  '.mozilla',
  '.config/google-chrome',
  '.config/chromium',
  '.config/BraveSoftware',
  '.config/microsoft-edge',
  '.config/vivaldi',
  '.config/opera',
  'snap/firefox',
  'snap/chromium',
  '.var/app/org.mozilla.firefox',
  '.var/app/com.google.Chrome',
  '.var/app/org.chromium.Chromium',
  'Library/Keychains',
  'Library/Cookies',
  'Library/Safari',
  'Library/Application Support/Google/Chrome',
  'Library/Application Support/Firefox',
  'Library/Application Support/BraveSoftware',
  'Library/Application Support/Microsoft Edge',
];

/** Hidden by default everywhere: readable by root, who may be running Yoke. */
export const SYSTEM_SECRETS: readonly string[] = [
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/ssh/ssh_host_rsa_key',
  '/etc/ssh/ssh_host_ecdsa_key',
  '/etc/ssh/ssh_host_ed25519_key',
  '/etc/ssh/ssh_host_dsa_key',
];

/** The read side of a sandbox policy: absolute paths, `~` expanded. */
export type ReadRules = {
  /** Hidden: reads and writes fail as if the path were empty. */
  denied: string[];
  /** Holes in `denied`: visible (read-only) again. */
  allowed: string[];
};

export type ReadRulesInput = {
  home: string;
  yokeHome: string;
  /** More hidden paths (config `sandbox_workspace_write.deny_read`). */
  deny?: readonly string[];
  /** Holes (config `allow_read`); an entry equal to a hidden path un-hides it. */
  allow?: readonly string[];
};

/** The default hidden paths plus the configured ones, minus exact holes. Pure. */
export function readRules(input: ReadRulesInput): ReadRules {
  const expand = (path: string) => expandHome(path, input.home);
  const allowed = unique((input.allow ?? []).map(expand));
  const denied = unique([
    normalize(input.yokeHome),
    ...HOME_SECRETS.map((rel) => join(input.home, rel)),
    ...SYSTEM_SECRETS,
    ...(input.deny ?? []).map(expand),
  ]).filter((path) => !allowed.includes(path));
  return { denied, allowed };
}

/** `~/x` → HOME/x; other paths must be absolute. Throws SandboxError('policy_invalid'). */
export function expandHome(path: string, home: string): string {
  const trim = (p: string) => p.replace(/(.)\/+$/, '$1');
  if (path === '~') return trim(normalize(home));
  if (path.startsWith('~/')) return trim(normalize(join(home, path.slice(2))));
  if (!isAbsolute(path))
    throw new SandboxError(
      'policy_invalid',
      `deny_read/allow_read entries must be absolute or start with ~/, not "${path}"`,
    );
  return trim(normalize(path));
}

/** `path` is `parent` or below it (both absolute and normalized). */
export function isWithin(path: string, parent: string): boolean {
  if (path === parent || parent === '/') return true;
  return path.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}

/**
 * May `path` be read? The deepest rule containing it decides: a hidden path says no; a hole
 * or a writable root (passed in `visible`) says yes; no rule at all says yes. On equal depth
 * the visible one wins (it was named on purpose). Pure: pass real paths, or a link in the
 * workspace would point the answer elsewhere.
 */
export function readable(rules: ReadRules, visible: readonly string[], path: string): boolean {
  let depth = -1;
  let answer = true;
  for (const denied of rules.denied) {
    if (isWithin(path, denied) && depthOf(denied) > depth) {
      depth = depthOf(denied);
      answer = false;
    }
  }
  for (const open of [...rules.allowed, ...visible]) {
    if (isWithin(path, open) && depthOf(open) >= depth) {
      depth = depthOf(open);
      answer = true;
    }
  }
  return answer;
}

/** Path components below `/` ("/" is 0). */
export function depthOf(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

/** `path` with HOME shortened to `~`. */
export function tildePath(path: string, home: string): string {
  return isWithin(path, home) && path !== home && home !== '/'
    ? `~${path.slice(home.length)}`
    : path;
}

/**
 * What is hidden, in one sentence for the model (no disk reads, so the thread's first request
 * does not depend on the machine): the default groups, then the configured additions and holes
 * as written in config.
 */
export function hiddenSummary(deny: readonly string[] = [], allow: readonly string[] = []): string {
  const groups = [
    "Yoke's own files",
    'SSH and GPG keys (~/.ssh, ~/.gnupg)',
    'cloud and cluster credentials (~/.aws, ~/.azure, ~/.config/gcloud, ~/.kube, ~/.docker)',
    'forge and registry logins (~/.config/gh, ~/.git-credentials, ~/.netrc, ~/.npmrc, ~/.pypirc)',
    'browser profiles, other credential stores and /etc/shadow',
    ...deny,
  ];
  const holes = allow.length ? `, except ${allow.join(', ')}` : '';
  return `${groups.join('; ')}${holes}`;
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
