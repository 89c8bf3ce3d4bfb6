// The approval panel's questions, drawn from the threads' views (src/client/thread-view.ts): a
// command with its working directory and the rule the server proposes; a patch with the changes
// of its fileChange item, which may arrive just before or just after the question.
import { mcpQuestion } from '../../client/elicitation.ts';
import { findItem, type ThreadView } from '../../client/thread-view.ts';
import { displayedCommand } from '../../protocol/command-line.ts';
import type { ApprovalPrompt, Decision } from './state.ts';

export function approvalPrompts(views: Iterable<ThreadView>): ApprovalPrompt[] {
  return [...views].flatMap((view) =>
    view.approvals.map((a): ApprovalPrompt => {
      const key = String(a.requestId);
      if (a.kind === 'mcp')
        return {
          key,
          requestId: a.requestId,
          kind: 'mcp',
          itemId: a.params.itemId ?? '',
          ...mcpQuestion(a.params),
        };
      const reason = a.params.reason ?? null;
      if (a.kind === 'command') {
        const { command, cwd, proposedExecpolicyAmendment: rule } = a.params;
        const amendment = rule?.length ? rule : null;
        return {
          key,
          requestId: a.requestId,
          kind: 'command',
          itemId: a.params.itemId,
          command: command ? displayedCommand(command) : '(command)',
          cwd: cwd ?? null,
          reason,
          amendment,
        };
      }
      const item = findItem(view, a.params.itemId);
      const changes = item?.type === 'fileChange' ? item.changes : [];
      return {
        key,
        requestId: a.requestId,
        kind: 'fileChange',
        itemId: a.params.itemId,
        changes,
        reason,
      };
    }),
  );
}

/** The transcript's line for an answer given here. */
export function describeDecision(prompt: ApprovalPrompt, decision: Decision): string {
  const what =
    prompt.kind === 'command'
      ? prompt.command
      : prompt.kind === 'mcp'
        ? `${prompt.server} ${prompt.tool ?? 'question'}`
        : 'the patch';
  if (decision === 'accept') return `approved ${what}`;
  if (decision === 'acceptForSession') return `approved ${what} for this session`;
  if (decision === 'decline') return `declined ${what}`;
  if (decision === 'cancel') return `cancelled ${what}; the turn stops`;
  if (typeof decision === 'object' && 'acceptWithContent' in decision)
    return `answered ${what}: ${Object.entries(decision.acceptWithContent)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ')}`;
  if (typeof decision === 'object' && 'acceptWithExecpolicyAmendment' in decision) {
    const rule = decision.acceptWithExecpolicyAmendment.execpolicy_amendment.join(' ');
    return `approved ${what} and saved a rule allowing "${rule}"`;
  }
  return `answered ${what}`;
}
