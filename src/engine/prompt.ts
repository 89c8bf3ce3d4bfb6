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
