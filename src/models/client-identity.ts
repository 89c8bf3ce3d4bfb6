// The `originator` and `user-agent` headers, in the form Codex sends them, so that endpoints
// and proxies built for Codex recognise the client:
//
//   originator: codex_exec
//   user-agent: codex_exec/0.1.0 (Debian 12.0.0; x86_64) xterm-256color (yoke_exec; 0.1.0)
//
// The originator is the surface's default (`codex_exec` for `yoke exec`, `codex_cli_rs`
// otherwise) unless CODEX_INTERNAL_ORIGINATOR_OVERRIDE names another (the @openai/codex-sdk sets
// `codex_sdk_ts`). The user agent is `ORIGINATOR/VERSION (OS OS_VERSION; ARCH) TERMINAL`, then
// the connecting client's name and version in parentheses, as Codex does; that last part names
// Yoke.
import { readFileSync } from 'node:fs';
import { arch, machine, platform, release } from 'node:os';

export const DEFAULT_ORIGINATOR = 'codex_cli_rs';
export const ORIGINATOR_OVERRIDE_ENV = 'CODEX_INTERNAL_ORIGINATOR_OVERRIDE';

export type ClientIdentity = { originator: string; userAgent: string };

export type IdentityInput = {
  env: NodeJS.ProcessEnv;
  /** The originator when the environment overrides none. */
  defaultOriginator?: string;
  /** Yoke's version, after the originator. */
  version: string;
  /** The client on whose behalf requests go out, e.g. { name: 'yoke_exec', version }. */
  client?: { name: string; version: string };
  /** The operating system as `name version` and the architecture; read from the host if absent. */
  os?: { name: string; version: string; arch: string };
};

export function clientIdentity(input: IdentityInput): ClientIdentity {
  const fallback = input.defaultOriginator ?? DEFAULT_ORIGINATOR;
  const override = input.env[ORIGINATOR_OVERRIDE_ENV];
  const originator = override && isHeaderToken(override) ? override : fallback;
  const os = input.os ?? hostOs();
  const client = input.client
    ? ` (${headerSafe(input.client.name)}; ${headerSafe(input.client.version)})`
    : '';
  const userAgent =
    `${originator}/${headerSafe(input.version)} ` +
    `(${headerSafe(os.name, ' ')} ${headerSafe(os.version, ' ')}; ${headerSafe(os.arch)}) ` +
    `${terminal(input.env)}${client}`;
  return { originator, userAgent };
}

/** The terminal as Codex names it: TERM_PROGRAM[/TERM_PROGRAM_VERSION], else TERM, else unknown. */
export function terminal(env: NodeJS.ProcessEnv): string {
  const program = env.TERM_PROGRAM?.trim();
  if (program && program !== 'tmux') {
    const version = env.TERM_PROGRAM_VERSION?.trim();
    return headerSafe(version ? `${program}/${version}` : program);
  }
  const term = env.TERM?.trim();
  return term ? headerSafe(term) : 'unknown';
}

const LINUX_NAMES: Record<string, string> = {
  alpine: 'Alpine Linux',
  amzn: 'Amazon Linux',
  arch: 'Arch Linux',
  centos: 'CentOS',
  debian: 'Debian',
  fedora: 'Fedora',
  nixos: 'NixOS',
  opensuse: 'openSUSE',
  rhel: 'Red Hat Enterprise Linux',
  rocky: 'Rocky Linux',
  ubuntu: 'Ubuntu',
};

/** The OS the way Codex's user agent shows it ("Debian 12.0.0", "Mac OS 14.5.0"). */
export function hostOs(): { name: string; version: string; arch: string } {
  const cpu = machine() || arch();
  if (platform() === 'linux') {
    const fields = osRelease();
    const id = fields.ID ?? '';
    const name = LINUX_NAMES[id] ?? (fields.NAME || 'Linux');
    return { name, version: semverish(fields.VERSION_ID ?? release()), arch: cpu };
  }
  if (platform() === 'darwin') return { name: 'Mac OS', version: release(), arch: cpu };
  if (platform() === 'win32') return { name: 'Windows', version: release(), arch: cpu };
  return { name: platform(), version: release(), arch: cpu };
}

function osRelease(): Record<string, string> {
  let text = '';
  try {
    text = readFileSync('/etc/os-release', 'utf8');
  } catch {
    return {};
  }
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return fields;
}

/** "12" → "12.0.0", "3.19" → "3.19.0"; anything else as it is. */
function semverish(version: string): string {
  if (/^\d+$/.test(version)) return `${version}.0.0`;
  if (/^\d+\.\d+$/.test(version)) return `${version}.0`;
  return version;
}

/** Visible ASCII with no spaces (or the `keep` characters); anything else becomes `_`. */
function headerSafe(value: string, keep = ''): string {
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    const ok = (code > 0x20 && code < 0x7f && ch !== '(' && ch !== ')') || keep.includes(ch);
    out += ok ? ch : '_';
  }
  return out;
}

function isHeaderToken(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}
