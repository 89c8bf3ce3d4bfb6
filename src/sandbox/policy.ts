// The sandbox policy: what a command may touch. A plain tagged union that the backends turn
// into mounts (bwrap) or a profile (Seatbelt), and that apply_patch asks through canWrite.
// Everything here is pure except resolvePolicy, which pins the roots to real paths once.
import { isAbsolute, join, resolve } from 'node:path';
import type { SandboxMode, SandboxPolicy as WireSandboxPolicy } from '../protocol/thread.ts';
import { SandboxError } from './errors.ts';
import { realpathExisting } from './path-resolve.ts';
import { isWithin, readable, type ReadRules } from './read-rules.ts';

export { isWithin };

/** What both sandboxed policies may carry besides their writes and network switch. */
type Hiding = {
  /** Hidden paths and the holes in them (read-rules.ts). Absent: nothing hidden. */
  read?: ReadRules;
  /** Unix sockets outside the sandbox that commands may connect to (absolute paths). */
  unixSockets?: string[];
};

export type SandboxPolicy =
  /** Nothing on disk may be written (a throwaway /tmp aside). */
  | ({ type: 'read-only'; networkAccess: boolean } & Hiding)
  /**
   * Writes only under `writableRoots` (absolute, real paths: the workspace, configured extra
   * roots and the task's private temp dir), never under their `.git` or `.yoke`.
   */
  | ({
      type: 'workspace-write';
      writableRoots: string[];
      /** The private temp dir (also one of the roots); commands get it as TMPDIR. */
      tmpDir: string;
      networkAccess: boolean;
    } & Hiding)
  /** No sandbox at all: only when the user chose it explicitly. */
  | { type: 'danger-full-access' };

/** Directories inside every writable root that stay read-only: git hooks and config, and
 * Yoke's own project settings and rules, are how a command would get code run later outside
 * the sandbox. */
export const PROTECTED_NAMES: readonly string[] = ['.git', '.yoke'];

export type ResolvePolicyInput = {
  mode: SandboxMode;
  /** The workspace: the first writable root. */
  cwd: string;
  /** More writable roots (config `writableRoots`); relative ones are taken from `cwd`. */
  extraRoots?: readonly string[];
  networkAccess?: boolean;
  /** The task's private temp dir; required for workspace-write. It must exist. */
  tmpDir?: string;
  /** What commands may not read (read-rules.ts: readRules()). */
  read?: ReadRules;
  /** Host unix sockets commands may connect to. */
  unixSockets?: readonly string[];
};

/** The concrete policy for a mode: absolute, real-path roots, deduplicated. Reads the disk. */
export function resolvePolicy(
  input: ResolvePolicyInput,
  realpath: (path: string) => string = realpathExisting,
): SandboxPolicy {
  const networkAccess = input.networkAccess ?? false;
  const hiding: Hiding = {
    // The workspace itself stays visible even inside a hidden directory (read-only mode has no
    // writable root to say so).
    ...(input.read ? { read: withVisible(input.read, input.cwd, realpath) } : {}),
    ...(input.unixSockets?.length ? { unixSockets: [...input.unixSockets] } : {}),
  };
  if (input.mode === 'danger-full-access') return { type: 'danger-full-access' };
  if (input.mode === 'read-only') return { type: 'read-only', networkAccess, ...hiding };
  if (!input.tmpDir)
    throw new SandboxError('policy_invalid', 'workspace-write needs a private temp dir (tmpDir)');
  const real = (path: string, what: string): string => {
    try {
      return realpath(resolve(input.cwd, path));
    } catch (err) {
      throw new SandboxError(
        'policy_invalid',
        `${what} ${path} cannot be used as a writable root: ${(err as Error).message}`,
      );
    }
  };
  const tmpDir = real(input.tmpDir, 'the temp dir');
  const roots = [
    real(input.cwd, 'the workspace'),
    ...(input.extraRoots ?? []).map((root) => real(root, 'the writable root')),
    tmpDir,
  ];
  return {
    type: 'workspace-write',
    writableRoots: [...new Set(roots)],
    tmpDir,
    networkAccess,
    ...hiding,
  };
}

function withVisible(rules: ReadRules, cwd: string, realpath: (p: string) => string): ReadRules {
  let real = cwd;
  try {
    real = realpath(cwd);
  } catch {
    // A missing workspace fails later with a clearer message.
  }
  return rules.allowed.includes(real) ? rules : { ...rules, allowed: [...rules.allowed, real] };
}

/** Paths that stay read-only inside the writable roots (whether or not they exist yet). */
export function protectedPaths(policy: SandboxPolicy): string[] {
  if (policy.type !== 'workspace-write') return [];
  return policy.writableRoots.flatMap((root) => PROTECTED_NAMES.map((name) => join(root, name)));
}

/**
 * May a write land on `absolutePath`? Pure: pass the path as realpathForWrite returns it (symlinks
 * of existing ancestors resolved), or a link inside the workspace would point the answer outside.
 */
export function canWrite(policy: SandboxPolicy, absolutePath: string): boolean {
  if (policy.type === 'danger-full-access') return true;
  if (policy.type === 'read-only') return false;
  if (!isAbsolute(absolutePath)) return false;
  const path = resolve(absolutePath);
  if (!policy.writableRoots.some((root) => isWithin(path, root))) return false;
  // Against every root: in nested roots, the inner root's .git must not be writable through
  // the outer one.
  if (protectedPaths(policy).some((protectedPath) => isWithin(path, protectedPath))) return false;
  // A hidden path inside a root (~/.ssh when the workspace is HOME) is not writable either.
  return canRead(policy, path);
}

/**
 * May a command or a file tool read `absolutePath`? Pure: pass the real path (symlinks
 * resolved), as for canWrite. Hidden paths (read-rules.ts) are not readable unless a hole or a
 * writable root inside them says so.
 */
export function canRead(policy: SandboxPolicy, absolutePath: string): boolean {
  if (policy.type === 'danger-full-access' || !policy.read) return true;
  if (!isAbsolute(absolutePath)) return false;
  const roots = policy.type === 'workspace-write' ? policy.writableRoots : [];
  return readable(policy.read, roots, resolve(absolutePath));
}

/** The policy's network switch (danger-full-access always has the network). */
export function networkAllowed(policy: SandboxPolicy): boolean {
  return policy.type === 'danger-full-access' || policy.networkAccess;
}

/** A wire policy (turn/start `sandboxPolicy`) as resolvePolicy input, minus cwd and tmpDir. */
export function fromWirePolicy(
  wire: WireSandboxPolicy,
): Pick<ResolvePolicyInput, 'mode' | 'extraRoots' | 'networkAccess'> {
  switch (wire.type) {
    case 'dangerFullAccess':
      return { mode: 'danger-full-access' };
    case 'readOnly':
      return { mode: 'read-only', networkAccess: wire.networkAccess ?? false };
    case 'workspaceWrite':
      return {
        mode: 'workspace-write',
        extraRoots: wire.writableRoots ?? [],
        networkAccess: wire.networkAccess ?? false,
      };
  }
}

/** The policy as responses echo it (thread/start `sandbox`). */
export function toWirePolicy(policy: SandboxPolicy): WireSandboxPolicy {
  switch (policy.type) {
    case 'danger-full-access':
      return { type: 'dangerFullAccess' };
    case 'read-only':
      return { type: 'readOnly', networkAccess: policy.networkAccess };
    case 'workspace-write':
      return {
        type: 'workspaceWrite',
        writableRoots: policy.writableRoots,
        networkAccess: policy.networkAccess,
      };
  }
}
