// Threads, turns, statuses, policies and usage, in the Codex App Server v2 shapes.
import * as z from 'zod';
import { ThreadItem } from './items.ts';

export const TurnStatus = z.enum(['completed', 'interrupted', 'failed', 'inProgress']);
export type TurnStatus = z.infer<typeof TurnStatus>;

export const TurnError = z.object({
  message: z.string(),
  codexErrorInfo: z.unknown().optional(),
  additionalDetails: z.string().nullable().optional(),
});
export type TurnError = z.infer<typeof TurnError>;

export const Turn = z.object({
  id: z.string(),
  items: z.array(ThreadItem),
  itemsView: z.enum(['notLoaded', 'summary', 'full']).optional(),
  status: TurnStatus,
  error: TurnError.nullable().optional(),
  /** Seconds since the epoch, as Codex sends them. */
  startedAt: z.number().int().nullable().optional(),
  completedAt: z.number().int().nullable().optional(),
  durationMs: z.number().int().nullable().optional(),
});
export type Turn = z.infer<typeof Turn>;

export const ThreadActiveFlag = z.enum(['waitingOnApproval', 'waitingOnUserInput']);

export const ThreadStatus = z.discriminatedUnion('type', [
  z.object({ type: z.literal('notLoaded') }),
  z.object({ type: z.literal('idle') }),
  z.object({ type: z.literal('systemError') }),
  z.object({ type: z.literal('active'), activeFlags: z.array(ThreadActiveFlag) }),
]);
export type ThreadStatus = z.infer<typeof ThreadStatus>;

export const SessionSource = z.enum(['cli', 'vscode', 'exec', 'appServer', 'unknown']);

export const ReasoningEffort = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
export type ReasoningEffort = z.infer<typeof ReasoningEffort>;

export const Thread = z.object({
  id: z.string(),
  sessionId: z.string(),
  forkedFromId: z.string().nullable(),
  preview: z.string(),
  ephemeral: z.boolean(),
  modelProvider: z.string(),
  model: z.string().nullable(),
  reasoningEffort: ReasoningEffort.nullable().optional(),
  /** Seconds since the epoch. */
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  status: ThreadStatus,
  path: z.string().nullable(),
  cwd: z.string(),
  cliVersion: z.string(),
  source: SessionSource,
  name: z.string().nullable(),
  projectId: z.string().nullable(),
  turns: z.array(Turn),
});
export type Thread = z.infer<typeof Thread>;

/** Approval modes, Codex's names. */
export const AskForApproval = z.enum(['untrusted', 'on-failure', 'on-request', 'never']);
export type AskForApproval = z.infer<typeof AskForApproval>;

/** Sandbox mode as `thread/start` takes it (kebab-case). */
export const SandboxMode = z.enum(['read-only', 'workspace-write', 'danger-full-access']);
export type SandboxMode = z.infer<typeof SandboxMode>;

/** Sandbox policy as turn/start takes it and responses echo it (camelCase, tagged). */
export const SandboxPolicy = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dangerFullAccess') }),
  z.object({ type: z.literal('readOnly'), networkAccess: z.boolean().optional() }),
  z.object({
    type: z.literal('workspaceWrite'),
    writableRoots: z.array(z.string()).optional(),
    networkAccess: z.boolean().optional(),
    excludeTmpdirEnvVar: z.boolean().optional(),
    excludeSlashTmp: z.boolean().optional(),
  }),
]);
export type SandboxPolicy = z.infer<typeof SandboxPolicy>;

/** The mode a policy is of: the same three sandboxes under their two spellings. */
export function sandboxModeOf(policy: SandboxPolicy): SandboxMode {
  switch (policy.type) {
    case 'readOnly':
      return 'read-only';
    case 'workspaceWrite':
      return 'workspace-write';
    case 'dangerFullAccess':
      return 'danger-full-access';
  }
}

/** Yoke addition (responses only): what the thread's sandbox hides and lets through. */
export const SandboxDetails = z.object({
  /** Paths commands and the file tools cannot read, that exist now (HOME written as ~). */
  hiddenPaths: z.array(z.string()),
  /** Host unix sockets commands may connect to; every other one outside the sandbox is refused. */
  unixSockets: z.array(z.string()),
});
export type SandboxDetails = z.infer<typeof SandboxDetails>;

export const TokenUsageBreakdown = z.object({
  totalTokens: z.number().int(),
  inputTokens: z.number().int(),
  cachedInputTokens: z.number().int(),
  cacheWriteInputTokens: z.number().int(),
  outputTokens: z.number().int(),
  reasoningOutputTokens: z.number().int(),
});
export type TokenUsageBreakdown = z.infer<typeof TokenUsageBreakdown>;

export const ThreadTokenUsage = z.object({
  total: TokenUsageBreakdown,
  last: TokenUsageBreakdown,
  modelContextWindow: z.number().int().nullable(),
});
export type ThreadTokenUsage = z.infer<typeof ThreadTokenUsage>;

export const TurnPlanStep = z.object({
  step: z.string(),
  status: z.enum(['pending', 'inProgress', 'completed']),
});
export type TurnPlanStep = z.infer<typeof TurnPlanStep>;
