// Prompt assembly: one fixed order — base instructions, tools (stable order), then history.
// Everything that changes over a thread is appended to history, never rewritten, so each
// request is an exact prefix-extension of the previous one.
import type { HistoryItem, ModelRequest, ReasoningEffort } from '../models/types.ts';
import { toolSpec } from '../tools/registry.ts';
import type { Tool } from '../tools/types.ts';

export type PromptSettings = {
  model: string;
  instructions: string;
  reasoningEffort: ReasoningEffort | null;
  outputSchema: Record<string, unknown> | null;
  promptCacheKey: string;
};

export function buildRequest(
  settings: PromptSettings,
  tools: readonly Tool[],
  history: readonly HistoryItem[],
): ModelRequest {
  return {
    model: settings.model,
    instructions: settings.instructions,
    tools: tools.map(toolSpec),
    input: history as HistoryItem[],
    promptCacheKey: settings.promptCacheKey,
    reasoningEffort: settings.reasoningEffort,
    outputSchema: settings.outputSchema,
    parallelToolCalls: true,
  };
}

/** What the model may do without asking, sent once per thread as a developer message. */
export function permissionsMessage(p: {
  sandbox: string;
  approvalPolicy: string;
  writableRoots: readonly string[];
  network: boolean;
  /** What commands and the file tools cannot read (read-rules.ts hiddenSummary). */
  hidden?: string;
}): string {
  const sandbox: Record<string, string> = {
    'read-only': 'Commands run in a read-only sandbox: they can read files but not change them.',
    'workspace-write': `Commands run in a sandbox that can write only inside: ${p.writableRoots.join(', ') || 'the workspace'} (their .git and .yoke stay read-only).`,
    'danger-full-access': 'Commands run without a sandbox, with full access to the machine.',
  };
  const approvals: Record<string, string> = {
    untrusted:
      'Commands that are not known to be safe, and every file change, wait for the user to approve them.',
    'on-failure':
      'Commands run in the sandbox; if one fails because of the sandbox, the user is asked whether to run it outside.',
    'on-request':
      'Commands run in the sandbox; you may ask to run one outside it, with a justification, and the user decides.',
    never: 'Nobody approves anything: failures come back to you; work within the sandbox.',
  };
  return [
    '<permissions>',
    sandbox[p.sandbox] ?? `Sandbox: ${p.sandbox}.`,
    ...(p.hidden && p.sandbox !== 'danger-full-access'
      ? [
          `Hidden from commands and the file tools (they look empty or missing): ${p.hidden}. Do not try to read credentials.`,
        ]
      : []),
    `Network access from commands is ${p.network ? 'enabled' : 'disabled'}.`,
    approvals[p.approvalPolicy] ?? `Approval policy: ${p.approvalPolicy}.`,
    '</permissions>',
  ].join('\n');
}

/** A change of settings between turns, appended (never rewritten into the prefix). */
export function settingsChangedMessage(changes: Record<string, [string, string]>): string {
  const lines = Object.entries(changes).map(([key, [from, to]]) => `${key}: ${from} → ${to}`);
  return `<settings_changed>\nFrom this point on:\n${lines.join('\n')}\n</settings_changed>`;
}

/** The user message that tells the model about its environment, sent once per thread. */
export function environmentContext(env: {
  cwd: string;
  shell: string;
  sandbox: string;
  approvalPolicy: string;
  network: boolean;
  date: string;
}): string {
  return [
    '<environment_context>',
    `  <cwd>${env.cwd}</cwd>`,
    `  <shell>${env.shell}</shell>`,
    `  <sandbox>${env.sandbox}</sandbox>`,
    `  <approval_policy>${env.approvalPolicy}</approval_policy>`,
    `  <network>${env.network ? 'enabled' : 'restricted'}</network>`,
    `  <current_date>${env.date}</current_date>`,
    '</environment_context>',
  ].join('\n');
}

export const TURN_ABORTED_NOTE =
  '<turn_aborted>\nThe user interrupted the previous turn on purpose. If any tools or commands were stopped, they may have partially executed.\n</turn_aborted>';
