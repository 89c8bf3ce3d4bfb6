// Yoke's approval questions as `session/request_permission`, and the editor's choice back as a
// Yoke decision:
//   allow_once                      → accept
//   allow_always "for this session" → acceptForSession
//   allow_always "always …"         → acceptWithExecpolicyAmendment (a command prefix rule, kept)
//   reject_once                     → decline
//   reject_always                   → decline, and the session declines the same question again
//                                     without asking
//   cancelled (the prompt was cancelled) → cancel (the turn stops)
import type * as acp from '@agentclientprotocol/sdk';
import type {
  CommandExecutionApprovalDecision,
  FileChangeApprovalDecision,
} from '../../protocol/methods-approval.ts';
import type { ElicitationResponse } from '../../protocol/methods-mcp.ts';

export type OptionId =
  'allow_once' | 'allow_session' | 'allow_rule' | 'reject_once' | 'reject_always';

export function commandOptions(
  amendment: readonly string[] | null | undefined,
): acp.PermissionOption[] {
  return [
    { optionId: 'allow_once', name: 'Allow once', kind: 'allow_once' },
    { optionId: 'allow_session', name: 'Allow this command for the session', kind: 'allow_always' },
    ...(amendment && amendment.length > 0
      ? [
          {
            optionId: 'allow_rule',
            name: `Always allow commands starting with \`${amendment.join(' ')}\``,
            kind: 'allow_always' as const,
          },
        ]
      : []),
    { optionId: 'reject_once', name: 'Reject', kind: 'reject_once' },
    {
      optionId: 'reject_always',
      name: 'Reject this command for the session',
      kind: 'reject_always',
    },
  ];
}

export function fileChangeOptions(): acp.PermissionOption[] {
  return [
    { optionId: 'allow_once', name: 'Allow', kind: 'allow_once' },
    { optionId: 'allow_session', name: 'Allow all edits for the session', kind: 'allow_always' },
    { optionId: 'reject_once', name: 'Reject', kind: 'reject_once' },
    { optionId: 'reject_always', name: 'Reject all edits for the session', kind: 'reject_always' },
  ];
}

export function mcpOptions(): acp.PermissionOption[] {
  return [
    { optionId: 'allow_once', name: 'Allow once', kind: 'allow_once' },
    { optionId: 'allow_session', name: 'Allow this tool for the session', kind: 'allow_always' },
    { optionId: 'reject_once', name: 'Reject', kind: 'reject_once' },
  ];
}

/** The option the editor picked; null when the prompt was cancelled (or the id is unknown). */
export function chosenOption(outcome: acp.RequestPermissionOutcome): OptionId | null {
  if (outcome.outcome !== 'selected') return null;
  const known: readonly string[] = [
    'allow_once',
    'allow_session',
    'allow_rule',
    'reject_once',
    'reject_always',
  ];
  return known.includes(outcome.optionId) ? (outcome.optionId as OptionId) : null;
}

export function commandDecision(
  option: OptionId | null,
  amendment: readonly string[] | null | undefined,
): CommandExecutionApprovalDecision {
  switch (option) {
    case 'allow_once':
      return 'accept';
    case 'allow_session':
      return 'acceptForSession';
    case 'allow_rule':
      return amendment && amendment.length > 0
        ? { acceptWithExecpolicyAmendment: { execpolicy_amendment: [...amendment] } }
        : 'acceptForSession';
    case 'reject_once':
    case 'reject_always':
      return 'decline';
    case null:
      return 'cancel';
  }
}

export function fileChangeDecision(option: OptionId | null): FileChangeApprovalDecision {
  switch (option) {
    case 'allow_once':
      return 'accept';
    case 'allow_session':
    case 'allow_rule':
      return 'acceptForSession';
    case 'reject_once':
    case 'reject_always':
      return 'decline';
    case null:
      return 'cancel';
  }
}

export function mcpResponse(option: OptionId | null): ElicitationResponse {
  switch (option) {
    case 'allow_once':
      return { action: 'accept', content: {}, _meta: null };
    case 'allow_session':
    case 'allow_rule':
      return { action: 'accept', content: {}, _meta: { persist: 'session' } };
    case 'reject_once':
    case 'reject_always':
      return { action: 'decline', content: null, _meta: null };
    case null:
      return { action: 'cancel', content: null, _meta: null };
  }
}
