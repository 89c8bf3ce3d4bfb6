// MCP methods of the table, in Codex's shapes: the status of the configured servers and their
// tools, a tool call and a resource read by hand, a config reload; the elicitation a server
// sends mid-call (and the approval of an MCP tool call, which Codex sends as a form elicitation
// marked `_meta.codex_approval_kind = "mcp_tool_call"`); startup and progress notifications.
import * as z from 'zod';
import { def } from './method-def.ts';

export const McpServerConnectionStatus = z.enum([
  'notStarted',
  'starting',
  'connected',
  'authenticationRequired',
  'failed',
  'cancelled',
  'disabled',
]);
export type McpServerConnectionStatus = z.infer<typeof McpServerConnectionStatus>;

/** An MCP tool descriptor, as the server listed it. */
export const McpTool = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.unknown(),
  outputSchema: z.unknown().optional(),
  annotations: z.unknown().optional(),
  _meta: z.unknown().optional(),
});
export type McpTool = z.infer<typeof McpTool>;

export const McpResource = z.object({
  uri: z.string(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
  size: z.number().optional(),
  annotations: z.unknown().optional(),
  _meta: z.unknown().optional(),
});

export const McpResourceTemplate = z.object({
  uriTemplate: z.string(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
  annotations: z.unknown().optional(),
});

export const McpServerInfo = z.object({
  name: z.string(),
  title: z.string().nullable(),
  version: z.string(),
  description: z.string().nullable(),
  icons: z.array(z.unknown()).nullable(),
  websiteUrl: z.string().nullable(),
});

export const McpServerStatus = z.object({
  name: z.string(),
  runtimeStatus: McpServerConnectionStatus.nullable(),
  pluginId: z.string().nullable(),
  /** Origin of an HTTP server's URL (no credentials or path); null for stdio. */
  httpOrigin: z.string().nullable(),
  serverInfo: McpServerInfo.nullable(),
  serverCapabilities: z.unknown().nullable(),
  toolListMeta: z.unknown().nullable(),
  /** By the tool's own name. */
  tools: z.record(z.string(), McpTool),
  /** Why there is no tool catalogue (the server failed to start, or died). */
  toolsError: z.string().nullable(),
  resources: z.array(McpResource),
  resourceTemplates: z.array(McpResourceTemplate),
  authStatus: z.enum(['unknown', 'unsupported', 'notLoggedIn', 'bearerToken', 'oAuth']),
  /** Yoke: the names the model sees the tools under (`mcp__SERVER__TOOL`), by tool name. */
  qualifiedNames: z.record(z.string(), z.string()).optional(),
});
export type McpServerStatus = z.infer<typeof McpServerStatus>;

export const ResourceContent = z.union([
  z.object({
    uri: z.string(),
    mimeType: z.string().optional(),
    text: z.string(),
    _meta: z.unknown().optional(),
  }),
  z.object({
    uri: z.string(),
    mimeType: z.string().optional(),
    blob: z.string(),
    _meta: z.unknown().optional(),
  }),
]);

export const ElicitationSchema = z.object({
  $schema: z.string().optional(),
  type: z.literal('object'),
  properties: z.record(z.string(), z.unknown()),
  required: z.array(z.string()).optional(),
});

/** What an MCP server asks of the user (Codex's McpServerElicitationRequest). */
export const ElicitationRequest = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('form'),
    _meta: z.unknown().nullable(),
    message: z.string(),
    requestedSchema: ElicitationSchema,
  }),
  z.object({
    mode: z.literal('url'),
    _meta: z.unknown().nullable(),
    message: z.string(),
    url: z.string(),
    elicitationId: z.string(),
  }),
]);
export type ElicitationRequest = z.infer<typeof ElicitationRequest>;

export const ElicitationResponse = z.object({
  action: z.enum(['accept', 'decline', 'cancel']),
  content: z.unknown().nullable().optional(),
  _meta: z.unknown().nullable().optional(),
});
export type ElicitationResponse = z.infer<typeof ElicitationResponse>;

export const ElicitationRequestParams = z.intersection(
  z.object({
    threadId: z.string(),
    turnId: z.string().nullable(),
    serverName: z.string(),
    /** Yoke: the mcpToolCall item this question belongs to. */
    itemId: z.string().nullable().optional(),
  }),
  ElicitationRequest,
);
export type ElicitationRequestParams = z.infer<typeof ElicitationRequestParams>;

export const mcpMethods = {
  'mcpServerStatus/list': def(
    'clientRequest',
    'Lists the configured MCP servers: state, tools, resources. Starts servers not yet started.',
    () =>
      z.object({
        cursor: z.string().nullable().optional(),
        limit: z.number().int().min(0).max(0xffffffff).nullable().optional(),
        detail: z.enum(['full', 'toolsAndAuthOnly']).nullable().optional(),
        threadId: z.string().nullable().optional(),
        serverName: z.string().nullable().optional(),
      }),
    () => z.object({ data: z.array(McpServerStatus), nextCursor: z.string().nullable() }),
  ),
  'mcpServer/tool/call': def(
    'clientRequest',
    'Calls a tool of a configured MCP server by hand and returns its MCP result.',
    () =>
      z.object({
        threadId: z.string(),
        server: z.string(),
        tool: z.string(),
        arguments: z.unknown().optional(),
        _meta: z.unknown().optional(),
      }),
    () =>
      z.object({
        content: z.array(z.unknown()),
        structuredContent: z.unknown().optional(),
        isError: z.boolean().optional(),
        _meta: z.unknown().optional(),
      }),
  ),
  'mcpServer/resource/read': def(
    'clientRequest',
    'Reads a resource of a configured MCP server.',
    () =>
      z.object({
        threadId: z.string().nullable().optional(),
        server: z.string(),
        uri: z.string(),
        _meta: z.record(z.string(), z.unknown()).nullable().optional(),
      }),
    () => z.object({ contents: z.array(ResourceContent), originCallId: z.string().nullable() }),
  ),
  'config/mcpServer/reload': def(
    'clientRequest',
    'Reads [mcp_servers] from the config files again; changed servers restart on next use.',
    () => z.object({}).nullable().optional(),
    () => z.object({}),
  ),
  'mcpServer/elicitation/request': def(
    'serverRequest',
    'An MCP server asks the user for input (a form or a URL), or Yoke asks to approve an MCP tool call (`_meta.codex_approval_kind = "mcp_tool_call"`).',
    () => ElicitationRequestParams,
    () => ElicitationResponse,
  ),
  'mcpServer/startupStatus/updated': def(
    'serverNotification',
    'An MCP server is starting, ready, or failed (with the reason).',
    () =>
      z.object({
        threadId: z.string().nullable(),
        name: z.string(),
        status: z.enum(['starting', 'ready', 'failed', 'cancelled']),
        error: z.string().nullable(),
        failureReason: z.null().optional(),
      }),
  ),
  'item/mcpToolCall/progress': def(
    'serverNotification',
    'Progress of a running MCP tool call.',
    () =>
      z.object({
        threadId: z.string(),
        turnId: z.string(),
        itemId: z.string(),
        message: z.string(),
      }),
  ),
} as const;
