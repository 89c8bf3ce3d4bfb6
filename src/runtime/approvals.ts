// The approval broker of one thread: every question a tool asks goes through here, out to
// whoever is listening (every subscribed connection), and the first answer wins.
import type { FileUpdateChange } from '../protocol/items.ts';
import type { ApprovalDecision } from '../protocol/methods-approval.ts';
import type { ParamsOf } from '../protocol/methods.ts';
import type {
  ElicitationRequest,
  ElicitationRequestParams,
  ElicitationResponse,
} from '../protocol/methods-mcp.ts';
import { decideMcpCall, evaluateMcp, type McpRule } from '../sandbox/mcp-policy.ts';
import {
  decideAction,
  decideAfterFailure,
  type ActionDecision,
  type AfterFailureDecision,
} from '../sandbox/approval-policy.ts';
import type { Rule } from '../sandbox/exec-policy.ts';
import { evaluate } from '../sandbox/exec-policy.ts';
import { realpathForWrite } from '../sandbox/path-resolve.ts';
import type { SandboxPolicy } from '../sandbox/policy.ts';
import type { ApprovalRequest, Authorization } from '../tools/types.ts';
import type { AskForApproval } from '../protocol/thread.ts';
import {
  approvalElicitation,
  DECLINED_MCP,
  persistOf,
  responseOfDecision,
  type McpApprovalRequest,
} from './approvals-mcp.ts';
import { RuntimeError } from './errors.ts';
import { uuidv7 } from './ids.ts';

export type CommandApprovalParams = ParamsOf<'item/commandExecution/requestApproval'>;
export type FileChangeApprovalParams = ParamsOf<'item/fileChange/requestApproval'>;

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
    }
  | {
      id: string;
      method: 'mcpServer/elicitation/request';
      params: ElicitationRequestParams & { turnId: string; itemId: string };
      changes?: undefined;
    };

/** An answer: a decision (commands, patches), or an elicitation response (MCP questions). */
export type ApprovalAnswer = ApprovalDecision | ElicitationResponse;

export type BrokerHooks = {
  threadId: string;
  /** A question is waiting / was answered: the session tells its listeners. */
  requested: (approval: PendingApproval) => void;
  /** When set, an unanswered question is answered with `decision` after `ms` (and recorded). */
  timeout?: () => { ms: number; decision: 'decline' | 'cancel' } | null;
  resolved: (approval: PendingApproval, decision: ApprovalAnswer, by: string) => void;
  /** `cancel` stops the whole turn. */
  cancelTurn: () => void;
};

/** What a turn's authorizer reads at each decision (settings can change between turns). */
export type AuthorizeEnv = {
  mode: () => AskForApproval;
  policy: () => SandboxPolicy;
  rules: () => readonly Rule[];
  /** Persists an `allow` prefix rule (acceptWithExecpolicyAmendment). */
  amend: (prefix: string[]) => void;
  /** The `[[rule]] mcp = [...]` rules (none when absent). */
  mcpRules?: () => readonly McpRule[];
  /** Persists an `allow` rule for one MCP tool (an approval answered "always"). */
  amendMcp?: (server: string, tool: string) => void;
};

type Waiting = { approval: PendingApproval; resolve: (answer: ApprovalAnswer) => void };

export const DECLINED_COMMAND =
  'The user declined to run this command. Do not retry it; choose another way or ask the user.';
export const DECLINED_PATCH =
  'The user declined this change; no files were changed. Do not retry it as is.';

/**
 * What "accept for session" covers: the same argv, in the same working directory, asking for the
 * same way to run (inside the sandbox, or outside it). The same text elsewhere, or escalated,
 * asks again.
 */
export function sessionGrantKey(
  request: { argv: readonly string[]; cwd: string },
  unsandboxed: boolean,
): string {
  return JSON.stringify([request.argv, request.cwd, unsandboxed ? 'unsandboxed' : 'sandboxed']);
}

export class ApprovalBroker {
  private readonly waiting = new Map<string, Waiting>();
  private readonly sessionCommands = new Set<string>();
  private readonly sessionMcpTools = new Set<string>();
  private patchesForSession = false;

  constructor(private readonly hooks: BrokerHooks) {}

  get pending(): PendingApproval[] {
    return [...this.waiting.values()].map((w) => w.approval);
  }

  /**
   * The ToolContext.authorize of a turn: the pure policy decides (approval mode, sandbox policy,
   * exec-policy rules); a human is asked only when it says so.
   */
  authorizer(turnId: string, env: AuthorizeEnv, signal: AbortSignal) {
    return async (request: ApprovalRequest): Promise<Authorization> => {
      if (request.kind === 'mcpToolCall') return this.authorizeMcp(turnId, request, env, signal);
      const mode = env.mode();
      const policy = env.policy();
      const declined = request.kind === 'command' ? DECLINED_COMMAND : DECLINED_PATCH;
      let decision: ActionDecision | AfterFailureDecision;
      if (request.kind === 'command') {
        const execPolicy = evaluate(env.rules(), request.argv);
        const action = {
          kind: 'command' as const,
          argv: request.argv,
          escalation: request.escalation ?? null,
        };
        decision = request.failure
          ? decideAfterFailure({
              mode,
              policy,
              request: action,
              execPolicy,
              outcome: request.failure,
            })
          : decideAction({ mode, policy, request: action, execPolicy });
      } else {
        const paths = request.changes.flatMap((c) => [
          c.path,
          ...(c.kind.type === 'update' && c.kind.move_path ? [c.kind.move_path] : []),
        ]);
        decision = decideAction({
          mode,
          policy,
          request: { kind: 'fileChange', paths: paths.map((p) => realpathForWrite(p)) },
        });
      }
      switch (decision.type) {
        case 'report':
          return { approved: false, reason: 'not retried' };
        case 'run-sandboxed':
          return { approved: true };
        case 'run-unsandboxed':
          return { approved: true, unsandboxed: true };
        case 'forbid':
          return { approved: false, reason: `Not allowed: ${decision.reason}` };
      }
      const unsandboxed = decision.onApprove === 'run-unsandboxed';
      const grant = request.kind === 'command' ? sessionGrantKey(request, unsandboxed) : null;
      if (grant !== null && this.sessionCommands.has(grant)) return { approved: true, unsandboxed };
      if (request.kind === 'fileChange' && this.patchesForSession) return { approved: true };
      const answer = await this.ask(
        this.toApproval(turnId, request, decision.reason, decision.proposedAmendment),
        signal,
      );
      if (typeof answer === 'object' && 'action' in answer) {
        // An elicitation-shaped answer to a command or patch question: take its action.
        return answer.action === 'accept'
          ? { approved: true, unsandboxed }
          : { approved: false, reason: declined };
      }
      if (typeof answer === 'object' && 'acceptWithExecpolicyAmendment' in answer) {
        env.amend(answer.acceptWithExecpolicyAmendment.execpolicy_amendment);
        return { approved: true, unsandboxed };
      }
      if (typeof answer === 'object') {
        // A network rule for the host: Yoke keeps no per-host rules, so it decides this run.
        const { action } = answer.applyNetworkPolicyAmendment.network_policy_amendment;
        return action === 'allow'
          ? { approved: true, unsandboxed }
          : { approved: false, reason: declined };
      }
      switch (answer) {
        case 'accept':
          return { approved: true, unsandboxed };
        case 'acceptForSession':
          if (grant !== null) this.sessionCommands.add(grant);
          else this.patchesForSession = true;
          return { approved: true, unsandboxed };
        case 'cancel':
          this.hooks.cancelTurn();
          return { approved: false, reason: declined };
        default:
          return { approved: false, reason: declined };
      }
    };
  }

  /** An MCP tool call: rules, the tool's hints and the mode decide; a human when they say so. */
  private async authorizeMcp(
    turnId: string,
    request: McpApprovalRequest,
    env: AuthorizeEnv,
    signal: AbortSignal,
  ): Promise<Authorization> {
    const decision = decideMcpCall({
      mode: env.mode(),
      hints: request.hints,
      evaluation: evaluateMcp(env.mcpRules?.() ?? [], request.server, request.tool),
    });
    if (decision.type === 'run') return { approved: true };
    if (decision.type === 'forbid')
      return { approved: false, reason: `Not allowed: ${decision.reason}` };
    const key = `${request.server}\0${request.tool}`;
    if (this.sessionMcpTools.has(key)) return { approved: true };
    const answer = await this.ask(
      this.elicitationApproval(turnId, request.itemId, request.server, {
        ...approvalElicitation(request, decision.reason),
      }),
      signal,
    );
    const response =
      typeof answer === 'object' && 'action' in answer ? answer : responseOfDecision(answer);
    if (response.action === 'cancel') this.hooks.cancelTurn();
    if (response.action !== 'accept') return { approved: false, reason: DECLINED_MCP };
    const persist = persistOf(response);
    if (persist !== 'once') this.sessionMcpTools.add(key);
    if (persist === 'always') env.amendMcp?.(request.server, request.tool);
    return { approved: true };
  }

  /**
   * The ToolContext.elicit of a turn: an MCP server's own question, passed to the clients as
   * it is (durable like every approval); an interrupted turn cancels it.
   */
  elicitor(turnId: string, signal: AbortSignal) {
    return async (ask: {
      itemId: string;
      server: string;
      request: ElicitationRequest;
    }): Promise<ElicitationResponse> => {
      const answer = await this.ask(
        this.elicitationApproval(turnId, ask.itemId, ask.server, ask.request),
        signal,
      );
      return typeof answer === 'object' && 'action' in answer ? answer : responseOfDecision(answer);
    };
  }

  private elicitationApproval(
    turnId: string,
    itemId: string,
    server: string,
    request: ElicitationRequest,
  ): PendingApproval {
    return {
      id: uuidv7(),
      method: 'mcpServer/elicitation/request',
      params: { threadId: this.hooks.threadId, turnId, itemId, serverName: server, ...request },
    };
  }

  /** Answers a waiting question. The first answer wins; later ones get an error. */
  resolve(approvalId: string, decision: ApprovalAnswer, by: string): void {
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

  private ask(approval: PendingApproval, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve('cancel');
      const onAbort = () => {
        if (this.waiting.has(approval.id)) this.resolve(approval.id, 'cancel', 'interrupt');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const limit = this.hooks.timeout?.() ?? null;
      const timer = limit
        ? setTimeout(() => {
            if (this.waiting.has(approval.id)) this.resolve(approval.id, limit.decision, 'timeout');
          }, limit.ms)
        : undefined;
      this.waiting.set(approval.id, {
        approval,
        resolve: (decision) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(decision);
        },
      });
      // The item's own item/started has gone out already (the engine holds a tool's questions
      // until its item is announced), as Codex orders them.
      this.hooks.requested(approval);
    });
  }

  private toApproval(
    turnId: string,
    request: Exclude<ApprovalRequest, McpApprovalRequest>,
    reason: string,
    amendment: string[] | null,
  ): PendingApproval {
    const id = uuidv7();
    const base = {
      threadId: this.hooks.threadId,
      turnId,
      itemId: request.itemId,
      startedAtMs: Date.now(),
      reason: request.reason ?? reason,
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
          proposedExecpolicyAmendment: amendment,
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
