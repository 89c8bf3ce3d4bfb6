// Errors the sandbox layer raises to its callers (the runtime, the CLI). Local errors: they
// never go on the wire as such; the runtime turns them into a fatal turn reason or a message.
export type SandboxErrorCode =
  /** The backend the policy needs is missing or cannot run here (bwrap, sandbox-exec). */
  | 'sandbox_unavailable'
  /** A policy input is wrong: a writable root that does not exist, a missing temp dir. */
  | 'policy_invalid'
  /** A rules file does not parse, or one of its inline examples fails. */
  | 'rules_invalid'
  /** Writing a rules file (amendment) failed. */
  | 'rules_write_failed';

export class SandboxError extends Error {
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

/** How to get bubblewrap, for every message that says it is missing. */
export const BWRAP_INSTALL_HINT =
  'install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`; ' +
  'Arch: `pacman -S bubblewrap`), or run without a sandbox only if you mean it: `--sandbox danger-full-access`';
