// MCP questions (`mcpServer/elicitation/request`) for surfaces that answer with approval
// decisions: what to show — the tool call Yoke asks about, or a server's own question — and a
// decision as the elicitation answer (accept for the session: the tool is allowed for the rest
// of the session).
import type { ParamsOf, ResultOf } from '../protocol/methods.ts';
import { formFields, hasFields, type FormField } from './elicitation-form.ts';

type Params = ParamsOf<'mcpServer/elicitation/request'>;

export type McpQuestion = {
  server: string;
  /** The tool Yoke asks to run, or null for a server's own question. */
  tool: string | null;
  /** The tool's arguments as JSON, or null. */
  args: string | null;
  message: string;
  /** A URL the server asks the user to open (URL elicitation), or null. */
  url: string | null;
  reason: string | null;
  /** The fields of a server's own form question (empty for a tool call, a URL, no fields). */
  form: FormField[];
};

/** A form answered: accept with the content the user filled in (checked with checkForm). */
export type FormDecision = { acceptWithContent: Record<string, unknown> };

export function mcpQuestion(params: Params): McpQuestion {
  const meta = (params._meta ?? {}) as {
    codex_approval_kind?: unknown;
    tool_name?: unknown;
    tool_params?: unknown;
    reason?: unknown;
  };
  const isTool = meta.codex_approval_kind === 'mcp_tool_call';
  return {
    server: params.serverName,
    tool: isTool && typeof meta.tool_name === 'string' ? meta.tool_name : null,
    args: isTool && meta.tool_params !== undefined ? JSON.stringify(meta.tool_params) : null,
    message: params.message,
    url: params.mode === 'url' ? params.url : null,
    reason: typeof meta.reason === 'string' ? meta.reason : null,
    form:
      !isTool && params.mode === 'form' && hasFields(params.requestedSchema)
        ? formFields(params.requestedSchema)
        : [],
  };
}

/** An approval decision (or a filled form) as the answer to an MCP question. */
export function elicitationAnswer(decision: unknown): ResultOf<'mcpServer/elicitation/request'> {
  if (decision && typeof decision === 'object' && 'acceptWithContent' in decision)
    return {
      action: 'accept',
      content: (decision as FormDecision).acceptWithContent,
      _meta: null,
    };
  if (decision === 'accept' || decision === 'acceptForSession')
    return {
      action: 'accept',
      content: {},
      _meta: decision === 'acceptForSession' ? { persist: 'session' } : null,
    };
  return { action: decision === 'cancel' ? 'cancel' : 'decline', content: null, _meta: null };
}
