// Approvals: server→client requests the client must answer with a decision, and the notice
// that a pending request was resolved (answered here or elsewhere, or cleared because its turn
// ended). The decision unions are exactly Codex's, so a Codex client can answer Yoke.
import * as z from 'zod';
import { CommandAction } from './items.ts';
import { def } from './method-def.ts';

/** JSON-RPC request ids: the server's own counter (integers) or a client's string/integer. */
export const RequestId = z.union([z.string(), z.number().int()]);

export const NetworkPolicyAmendment = z.object({
  host: z.string(),
  action: z.enum(['allow', 'deny']),
});

export const CommandExecutionApprovalDecision = z.union([
  z.literal('accept'),
  z.literal('acceptForSession'),
  z.object({
    acceptWithExecpolicyAmendment: z.object({ execpolicy_amendment: z.array(z.string()) }),
  }),
  z.object({
    applyNetworkPolicyAmendment: z.object({ network_policy_amendment: NetworkPolicyAmendment }),
  }),
  z.literal('decline'),
  z.literal('cancel'),
]);
export type CommandExecutionApprovalDecision = z.infer<typeof CommandExecutionApprovalDecision>;

export const FileChangeApprovalDecision = z.enum([
  'accept',
  'acceptForSession',
  'decline',
  'cancel',
]);
export type FileChangeApprovalDecision = z.infer<typeof FileChangeApprovalDecision>;

/** Any answer to an approval request (a file change's decisions are a subset of a command's). */
export type ApprovalDecision = CommandExecutionApprovalDecision | FileChangeApprovalDecision;

const ApprovalTarget = {
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  /** When the approval request started, in milliseconds since the epoch. */
  startedAtMs: z.number().int(),
  reason: z.string().nullable().optional(),
};

export const approvalMethods = {
  'item/commandExecution/requestApproval': def(
    'serverRequest',
    'Asks the client to approve a command before it runs. Answered with a decision.',
    () =>
      z.object({
        ...ApprovalTarget,
        approvalId: z.string().nullable().optional(),
        command: z.string().nullable().optional(),
        cwd: z.string().nullable().optional(),
        commandActions: z.array(CommandAction).nullable().optional(),
        proposedExecpolicyAmendment: z.array(z.string()).nullable().optional(),
        proposedNetworkPolicyAmendments: z.array(NetworkPolicyAmendment).nullable().optional(),
        kind: z.enum(['command', 'writeStdin', 'humanCommand']).optional(),
        // Experimental in Codex's schema, but Codex sends it to every client.
        availableDecisions: z.array(CommandExecutionApprovalDecision).nullable().optional(),
      }),
    () => z.object({ decision: CommandExecutionApprovalDecision }),
  ),
  'item/fileChange/requestApproval': def(
    'serverRequest',
    'Asks the client to approve a patch before it is applied. Answered with a decision.',
    () => z.object({ ...ApprovalTarget, grantRoot: z.string().nullable().optional() }),
    () => z.object({ decision: FileChangeApprovalDecision }),
  ),
  'serverRequest/resolved': def(
    'serverNotification',
    'A pending server request was answered (by any client) or cleared because its turn ended.',
    () => z.object({ threadId: z.string(), requestId: RequestId }),
  ),
} as const;
