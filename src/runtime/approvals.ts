// The approval broker of one thread: every question a tool asks goes through here, out to
// whoever is listening (every subscribed connection), and the first answer wins.
import type { CommandAction, FileUpdateChange } from '../protocol/items.ts';
import { needsApproval } from '../sandbox/approval-policy.ts';
import type { ApprovalRequest, Authorization } from '../tools/types.ts';
import type { AskForApproval } from '../protocol/thread.ts';
import { RuntimeError } from './errors.ts';

export type ApprovalDecision =
  | 'accept'
  | 'acceptForSession'
  | 'decline'
  | 'cancel'
  | { acceptWithExecpolicyAmendment: { execpolicy_amendment: string[] } };

export type CommandApprovalParams = {
  threadId: string;
  turnId: string;
  itemId: string;
  startedAtMs: number;
  command: string;
  cwd: string;
  commandActions: CommandAction[];
  reason: string | null;
  proposedExecpolicyAmendment: string[] | null;
};

export type FileChangeApprovalParams = {
  threadId: string;
  turnId: string;
  itemId: string;
  startedAtMs: number;
  reason: string | null;
  grantRoot: string | null;
};

export type PendingApproval =
  | {
      id: string;
      method: 'item/commandExecution/requestApproval';
      params: CommandApprovalParams;
      changes?: undefined;
    }
  | {
      id: string;
      method: 'item/fileChange/requestApproval';
      params: FileChangeApprovalParams;
      changes: FileUpdateChange[];
    };

export type BrokerHooks = {
  threadId: string;
  /** A question is waiting / was answered: the session tells its listeners. */
  requested: (approval: PendingApproval) => void;
  resolved: (approval: PendingApproval, decision: ApprovalDecision, by: string) => void;
  /** `cancel` stops the whole turn. */
  cancelTurn: () => void;
};

type Waiting = { approval: PendingApproval; resolve: (decision: ApprovalDecision) => void };

export const DECLINED_COMMAND =
  'The user declined to run this command. Do not retry it; choose another way or ask the user.';
export const DECLINED_PATCH =
  'The user declined this change; no files were changed. Do not retry it as is.';

export class ApprovalBroker {
  private readonly waiting = new Map<string, Waiting>();
  private readonly sessionCommands = new Set<string>();
  private patchesForSession = false;
  private nextId = 1;

  constructor(private readonly hooks: BrokerHooks) {}

  get pending(): PendingApproval[] {
    return [...this.waiting.values()].map((w) => w.approval);
  }

  /** The ToolContext.authorize of a turn. */
  authorizer(turnId: string, mode: () => AskForApproval, signal: AbortSignal) {
    return async (request: ApprovalRequest): Promise<Authorization> => {
      const argv = request.kind === 'command' ? request.argv : [];
      if (!needsApproval(mode(), request.kind, argv)) return { approved: true };
      if (request.kind === 'command' && this.sessionCommands.has(request.command))
        return { approved: true };
      if (request.kind === 'fileChange' && this.patchesForSession) return { approved: true };
      const decision = await this.ask(this.toApproval(turnId, request), signal);
      switch (typeof decision === 'string' ? decision : 'amendment') {
        case 'accept':
        case 'amendment':
          return { approved: true };
        case 'acceptForSession':
          if (request.kind === 'command') this.sessionCommands.add(request.command);
          else this.patchesForSession = true;
          return { approved: true };
        case 'cancel':
          this.hooks.cancelTurn();
          return {
            approved: false,
            reason: request.kind === 'command' ? DECLINED_COMMAND : DECLINED_PATCH,
          };
        default:
          return {
            approved: false,
            reason: request.kind === 'command' ? DECLINED_COMMAND : DECLINED_PATCH,
          };
      }
    };
  }

  /** Answers a waiting question. The first answer wins; later ones get an error. */
  resolve(approvalId: string, decision: ApprovalDecision, by: string): void {
    const waiting = this.waiting.get(approvalId);
    if (!waiting)
      throw new RuntimeError(
        'input_invalid',
        `approval ${approvalId} is not pending (already answered?)`,
      );
    this.waiting.delete(approvalId);
    waiting.resolve(decision);
    this.hooks.resolved(waiting.approval, decision, by);
  }

  private ask(approval: PendingApproval, signal: AbortSignal): Promise<ApprovalDecision> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve('cancel');
      const onAbort = () => {
        if (this.waiting.has(approval.id)) this.resolve(approval.id, 'cancel', 'interrupt');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(approval.id, {
        approval,
        resolve: (decision) => {
          signal.removeEventListener('abort', onAbort);
          resolve(decision);
        },
      });
      this.hooks.requested(approval);
    });
  }

  private toApproval(turnId: string, request: ApprovalRequest): PendingApproval {
    const id = String(this.nextId++);
    const base = {
      threadId: this.hooks.threadId,
      turnId,
      itemId: request.itemId,
      startedAtMs: Date.now(),
      reason: request.reason ?? null,
    };
    if (request.kind === 'command') {
      return {
        id,
        method: 'item/commandExecution/requestApproval',
        params: {
          ...base,
          command: request.command,
          cwd: request.cwd,
          commandActions: request.commandActions,
          proposedExecpolicyAmendment: request.argv[0] === 'bash' ? null : request.argv.slice(0, 2),
        },
      };
    }
    return {
      id,
      method: 'item/fileChange/requestApproval',
      params: { ...base, grantRoot: null },
      changes: request.changes,
    };
  }
}
