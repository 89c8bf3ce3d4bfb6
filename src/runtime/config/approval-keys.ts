// Config keys of approvals.
//
//   approval_policy = "on-request"       # untrusted | on-failure | on-request | never
//   approval_timeout_ms = 600000         # answer for an absent user after this long…
//   approval_timeout_decision = "decline"   # …this way (decline | cancel)
import type * as z from 'zod';
import { FileChangeApprovalDecision } from '../../protocol/methods-approval.ts';
import { AskForApproval } from '../../protocol/thread.ts';
import { durationMs } from './table.ts';

export const ApprovalTimeoutDecision = FileChangeApprovalDecision.extract(['decline', 'cancel']);
export type ApprovalTimeoutDecision = z.infer<typeof ApprovalTimeoutDecision>;

export const approvalKeys = {
  approval_policy: AskForApproval,
  approval_timeout_ms: durationMs(),
  approval_timeout_decision: ApprovalTimeoutDecision,
};
