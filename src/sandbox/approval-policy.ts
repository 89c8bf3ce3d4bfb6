// When to ask the user, and how to run: a pure function of the approval mode, the exec-policy
// evaluation, the sandbox policy and the request. Codex's semantics:
//   untrusted   asks unless a rule allows the command or it is on the known-safe list
//   on-failure  runs everything sandboxed; when a failure looks like the sandbox's doing, asks
//               to run it again outside (decideAfterFailure)
//   on-request  runs sandboxed; asks when the model asks for escalation (with a justification)
//   never       never asks; failures go back to the model
// and whatever the mode, a `forbidden` rule wins, and a `prompt` rule asks (or, under never,
// forbids: no one can approve).
import type { AskForApproval } from '../protocol/thread.ts';
import { evaluate, type Evaluation } from './exec-policy.ts';
import { isKnownSafe } from './known-safe.ts';
import { canWrite, type SandboxPolicy } from './policy.ts';
import type { ProcessOutcome } from './process-runner.ts';
import { baseName } from './shell-parse.ts';

export { isKnownSafe };

export type ActionKind = 'command' | 'fileChange';

export type ActionRequest =
  | {
      kind: 'command';
      argv: readonly string[];
      /** The model asked to run outside the sandbox (`sandbox_permissions: "require_escalated"`). */
      escalation?: { justification: string } | null;
    }
  /** Paths as realpathForWrite returns them. */
  | { kind: 'fileChange'; paths: readonly string[] };

export type AskCause = 'rule' | 'untrusted' | 'escalation' | 'sandbox-denial' | 'outside-roots';

/**
 * What to do. `run-sandboxed` means "through the sandbox runner of the current policy" (for
 * danger-full-access that runner is `none`). `run-unsandboxed` bypasses the policy: it is only
 * returned for an escalation or a retry that an `allow` rule already approved; otherwise it is
 * what an approved `ask` leads to (`onApprove`).
 */
export type ActionDecision =
  | { type: 'run-sandboxed' }
  | { type: 'run-unsandboxed'; reason: string }
  | {
      type: 'ask';
      cause: AskCause;
      reason: string;
      /** An `allow` prefix to offer (acceptWithExecpolicyAmendment), or null. */
      proposedAmendment: string[] | null;
      onApprove: 'run-sandboxed' | 'run-unsandboxed';
    }
  | { type: 'forbid'; reason: string };

export type DecideInput = {
  mode: AskForApproval;
  policy: SandboxPolicy;
  request: ActionRequest;
  /** The exec-policy evaluation of a command's argv (absent: no rules). */
  execPolicy?: Evaluation;
};

export function decideAction(input: DecideInput): ActionDecision {
  return input.request.kind === 'fileChange'
    ? decideFileChange(input.mode, input.policy, input.request.paths)
    : decideCommand(input, input.request.argv, input.request.escalation ?? null);
}

function decideCommand(
  { mode, policy, execPolicy }: DecideInput,
  argv: readonly string[],
  escalation: { justification: string } | null,
): ActionDecision {
  const ev = execPolicy;
  if (ev?.decision === 'forbidden') return { type: 'forbid', reason: ev.reason };
  const sandboxed = policy.type !== 'danger-full-access';
  const amendment = proposeAmendment(ev, argv);
  const allowed = ev?.decision === 'allow';

  if (escalation && sandboxed) {
    if (mode === 'never')
      return {
        type: 'forbid',
        reason: `cannot run outside the sandbox: the approval policy is "never", so no one can approve it (${escalation.justification})`,
      };
    if (allowed && !rulePrompts(ev))
      return { type: 'run-unsandboxed', reason: `pre-approved: ${ev.reason}` };
    return ask(
      'escalation',
      `asks to run outside the sandbox: ${escalation.justification}`,
      amendment,
      'run-unsandboxed',
    );
  }
  if (rulePrompts(ev)) {
    if (mode === 'never')
      return {
        type: 'forbid',
        reason: `${ev!.reason}; the approval policy is "never", so no one can approve it`,
      };
    return ask('rule', ev!.reason, amendment, 'run-sandboxed');
  }
  if (mode === 'untrusted' && !allowed && !isKnownSafe(argv))
    return ask('untrusted', 'the command is not known to be safe', amendment, 'run-sandboxed');
  return { type: 'run-sandboxed' };
}

/** A prompt the user must see: a rule's, or an uncertain one where some rule might apply. */
function rulePrompts(ev: Evaluation | undefined): boolean {
  if (ev?.decision !== 'prompt') return false;
  return !ev.uncertain || ev.uncertain.possibleRules.length > 0;
}

function decideFileChange(
  mode: AskForApproval,
  policy: SandboxPolicy,
  paths: readonly string[],
): ActionDecision {
  const outside = paths.filter((path) => !canWrite(policy, path));
  const where = outside.length > 0 ? 'run-unsandboxed' : 'run-sandboxed';
  const outsideReason = `writes outside the writable roots (or into .git/.yoke): ${outside.join(', ')}`;
  if (mode === 'untrusted')
    return ask(
      outside.length ? 'outside-roots' : 'untrusted',
      outside.length ? outsideReason : 'the patch changes files',
      null,
      where,
    );
  if (outside.length === 0) return { type: 'run-sandboxed' };
  if (mode === 'never') return { type: 'forbid', reason: outsideReason };
  return ask('outside-roots', outsideReason, null, 'run-unsandboxed');
}

export type AfterFailureDecision =
  { type: 'report' } | Extract<ActionDecision, { type: 'ask' | 'run-unsandboxed' }>;

/**
 * After a sandboxed command failed: under untrusted and on-failure, a failure that looks like
 * the sandbox's doing is offered for a run outside it (without asking when an `allow` rule
 * already covers the command). Otherwise the failure goes back to the model (`report`); under
 * on-request the model can ask for escalation itself.
 */
export function decideAfterFailure(
  input: DecideInput & { outcome: ProcessOutcome },
): AfterFailureDecision {
  const { mode, policy, request, execPolicy, outcome } = input;
  if (request.kind !== 'command' || policy.type === 'danger-full-access') return { type: 'report' };
  if (mode !== 'untrusted' && mode !== 'on-failure') return { type: 'report' };
  if (!looksLikeSandboxDenial(outcome)) return { type: 'report' };
  if (execPolicy?.decision === 'allow')
    return { type: 'run-unsandboxed', reason: `pre-approved: ${execPolicy.reason}` };
  const line = denialLine(outcome.output);
  return ask(
    'sandbox-denial',
    `the command failed in the sandbox (${line}); run it again outside the sandbox?`,
    proposeAmendment(execPolicy, request.argv),
    'run-unsandboxed',
  );
}

const DENIAL =
  /Read-only file system|Permission denied|Operation not permitted|EACCES|EPERM|EROFS|Network is unreachable|ENETUNREACH|Could not resolve host|Temporary failure in name resolution|Name or service not known|getaddrinfo EAI_AGAIN|Connection refused|ECONNREFUSED/i;

/** A failure that the sandbox probably caused: non-zero exit and a denial in the output. */
export function looksLikeSandboxDenial(
  outcome: Pick<ProcessOutcome, 'exitCode' | 'signal' | 'output' | 'timedOut' | 'aborted'>,
): boolean {
  if (outcome.timedOut || outcome.aborted) return false;
  if (outcome.exitCode === 0 && outcome.signal === null) return false;
  // 127: command not found — not the sandbox's doing.
  if (outcome.exitCode === 127) return false;
  return DENIAL.test(outcome.output);
}

function denialLine(output: string): string {
  const line = output.split('\n').find((l) => DENIAL.test(l)) ?? '';
  return line.trim().slice(0, 200);
}

/** Programs for which "always allow this exact command" would allow anything. */
const TOO_BROAD = new Set([
  'bash',
  'sh',
  'zsh',
  'dash',
  'env',
  'sudo',
  'python',
  'python3',
  'node',
  'perl',
  'ruby',
  'xargs',
]);

/** The single command's literal words, as a prefix to allow from now on (or null). */
function proposeAmendment(ev: Evaluation | undefined, argv: readonly string[]): string[] | null {
  // Without rules, still split a `bash -lc` script: the amendment names the command inside.
  const commands = (ev ?? evaluate([], argv)).commands;
  if (commands.length !== 1) return null;
  const words = commands[0]!;
  if (words.length === 0 || words.some((w) => w.dynamic)) return null;
  if (words.length === 1 && TOO_BROAD.has(baseName(words[0]!.text))) return null;
  if (TOO_BROAD.has(baseName(words[0]!.text)) && words.length < 3) return null;
  return words.map((w) => w.text);
}

function ask(
  cause: AskCause,
  reason: string,
  proposedAmendment: string[] | null,
  onApprove: 'run-sandboxed' | 'run-unsandboxed',
): Extract<ActionDecision, { type: 'ask' }> {
  return { type: 'ask', cause, reason, proposedAmendment, onApprove };
}

/** True when the action needs a human's yes under `mode` (the runtime's check before the sandbox work). */
export function needsApproval(
  mode: AskForApproval,
  kind: ActionKind,
  argv: readonly string[] = [],
): boolean {
  if (mode !== 'untrusted') return false;
  if (kind === 'fileChange') return true;
  return !isKnownSafe(argv);
}
