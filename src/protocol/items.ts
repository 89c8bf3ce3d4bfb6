// Thread items: the units of a turn, in the Codex App Server v2 shapes.
// `item/started` → deltas → `item/completed`; the completed item is authoritative.
import * as z from 'zod';

export const TextElement = z.object({
  byteRange: z.object({ start: z.number().int(), end: z.number().int() }),
  placeholder: z.string().nullable().optional(),
});

export const UserInput = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    text: z.string(),
    text_elements: z.array(TextElement).optional(),
  }),
  z.object({ type: z.literal('image'), url: z.string() }),
  z.object({ type: z.literal('localImage'), path: z.string() }),
]);
export type UserInput = z.infer<typeof UserInput>;

export const CommandAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('read'), command: z.string(), name: z.string(), path: z.string() }),
  z.object({ type: z.literal('listFiles'), command: z.string(), path: z.string().nullable() }),
  z.object({
    type: z.literal('search'),
    command: z.string(),
    query: z.string().nullable(),
    path: z.string().nullable(),
  }),
  z.object({ type: z.literal('unknown'), command: z.string() }),
]);
export type CommandAction = z.infer<typeof CommandAction>;

export const ItemStatus = z.enum(['inProgress', 'completed', 'failed', 'declined']);
export type ItemStatus = z.infer<typeof ItemStatus>;

export const PatchChangeKind = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add') }),
  z.object({ type: z.literal('delete') }),
  z.object({ type: z.literal('update'), move_path: z.string().nullable() }),
]);

export const FileUpdateChange = z.object({
  path: z.string(),
  kind: PatchChangeKind,
  diff: z.string(),
});
export type FileUpdateChange = z.infer<typeof FileUpdateChange>;

export const UserMessageItem = z.object({
  type: z.literal('userMessage'),
  id: z.string(),
  content: z.array(UserInput),
});

export const AgentMessageItem = z.object({
  type: z.literal('agentMessage'),
  id: z.string(),
  text: z.string(),
});

export const ReasoningItem = z.object({
  type: z.literal('reasoning'),
  id: z.string(),
  summary: z.array(z.string()),
  content: z.array(z.string()),
});

export const CommandExecutionItem = z.object({
  type: z.literal('commandExecution'),
  id: z.string(),
  command: z.string(),
  cwd: z.string(),
  processId: z.string().nullable(),
  status: ItemStatus,
  commandActions: z.array(CommandAction),
  aggregatedOutput: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  /** Who ran it: the model (absent, Codex's default "agent") or the user (thread/shellCommand). */
  source: z.enum(['agent', 'userShell']).optional(),
});

export const FileChangeItem = z.object({
  type: z.literal('fileChange'),
  id: z.string(),
  changes: z.array(FileUpdateChange),
  status: ItemStatus,
});

export const PlanItem = z.object({
  type: z.literal('plan'),
  id: z.string(),
  text: z.string(),
});

/** A call of a built-in tool that is neither a command nor a patch (read_file, list_dir, grep). */
export const DynamicToolCallItem = z.object({
  type: z.literal('dynamicToolCall'),
  id: z.string(),
  tool: z.string(),
  arguments: z.unknown(),
  status: ItemStatus,
  contentItems: z
    .array(z.object({ type: z.literal('inputText'), text: z.string() }))
    .nullable()
    .optional(),
  success: z.boolean().nullable().optional(),
  durationMs: z.number().int().nullable().optional(),
});

export const McpToolCallResult = z.object({
  /** MCP content blocks as the server sent them (text, image, audio, resource_link, resource). */
  content: z.array(z.unknown()),
  structuredContent: z.unknown().nullable(),
  _meta: z.unknown().nullable(),
});

/** A call of a tool of an MCP server (the model saw it as `mcp__SERVER__TOOL`). */
export const McpToolCallItem = z.object({
  type: z.literal('mcpToolCall'),
  id: z.string(),
  server: z.string(),
  /** The tool's own name on its server. */
  tool: z.string(),
  status: z.enum(['inProgress', 'completed', 'failed']),
  arguments: z.unknown(),
  result: McpToolCallResult.nullable(),
  error: z.object({ message: z.string() }).nullable(),
  durationMs: z.number().int().nullable(),
  readOnlyHint: z.boolean().nullable().optional(),
  appContext: z.null().optional(),
  pluginId: z.null().optional(),
});

export const ContextCompactionItem = z.object({
  type: z.literal('contextCompaction'),
  id: z.string(),
  /** Yoke: the summary the model wrote (readable with thread/read). */
  summary: z.string().optional(),
});

/**
 * Yoke: a problem the turn went on despite, shown where it happened — an MCP server the turn
 * needed that did not start (its reason; the server starts again on its next use). The shape
 * of the `error` item `codex exec --json` prints for a warning; Codex's v2 items have none.
 */
export const ErrorItem = z.object({
  type: z.literal('error'),
  id: z.string(),
  message: z.string(),
  /** The MCP server the error is about, if any. */
  mcpServer: z.string().nullable().optional(),
});

/** A review (review/start) began: `review` says what is reviewed ("current changes", …). */
export const EnteredReviewModeItem = z.object({
  type: z.literal('enteredReviewMode'),
  id: z.string(),
  review: z.string(),
});

/** A review ended: `review` is the reviewer's findings as text. */
export const ExitedReviewModeItem = z.object({
  type: z.literal('exitedReviewMode'),
  id: z.string(),
  review: z.string(),
});

export const ThreadItem = z.discriminatedUnion('type', [
  UserMessageItem,
  AgentMessageItem,
  ReasoningItem,
  CommandExecutionItem,
  FileChangeItem,
  PlanItem,
  DynamicToolCallItem,
  McpToolCallItem,
  ContextCompactionItem,
  ErrorItem,
  EnteredReviewModeItem,
  ExitedReviewModeItem,
]);
export type ThreadItem = z.infer<typeof ThreadItem>;
export type CommandExecutionItem = z.infer<typeof CommandExecutionItem>;
export type FileChangeItem = z.infer<typeof FileChangeItem>;
export type DynamicToolCallItem = z.infer<typeof DynamicToolCallItem>;
export type McpToolCallItem = z.infer<typeof McpToolCallItem>;
export type ErrorItem = z.infer<typeof ErrorItem>;
export type AgentMessageItem = z.infer<typeof AgentMessageItem>;
export type ReasoningThreadItem = z.infer<typeof ReasoningItem>;
