// The MCP side of the approval broker: questions that go out as `mcpServer/elicitation/request`.
// An MCP tool call that needs a yes is asked the way Codex asks it — a form elicitation with no
// fields, `_meta.codex_approval_kind = "mcp_tool_call"` — and a server's own elicitation (a form
// to fill, a URL to visit) is passed through. Both are durable like every other approval.
import type { ElicitationRequest, ElicitationResponse } from '../protocol/methods-mcp.ts';
import type { ApprovalRequest } from '../tools/types.ts';

export type McpApprovalRequest = Extract<ApprovalRequest, { kind: 'mcpToolCall' }>;

export const APPROVAL_KIND = 'mcp_tool_call';

export const DECLINED_MCP =
  'The user declined this tool call; it did not run. Do not retry it; choose another way or ask the user.';

/** The form elicitation that asks whether an MCP tool call may run. */
export function approvalElicitation(
  request: McpApprovalRequest,
  reason: string,
): ElicitationRequest {
  return {
    mode: 'form',
    message: `Allow the ${request.server} MCP server to run tool "${request.tool}"?`,
    requestedSchema: { type: 'object', properties: {} },
    _meta: {
      codex_approval_kind: APPROVAL_KIND,
      persist: ['session', 'always'],
      tool_name: request.tool,
      tool_description: request.description,
      tool_params: request.arguments ?? {},
      reason,
    },
  };
}

/** Whether an elicitation is an MCP tool call approval (not a server's own question). */
export function isToolApproval(request: { _meta?: unknown }): boolean {
  const meta = request._meta as { codex_approval_kind?: unknown } | null | undefined;
  return meta?.codex_approval_kind === APPROVAL_KIND;
}

/** How long an accepted approval lasts: this call, the session, or always (a rule is saved). */
export function persistOf(response: ElicitationResponse): 'once' | 'session' | 'always' {
  const persist = (response._meta as { persist?: unknown } | null | undefined)?.persist;
  return persist === 'session' || persist === 'always' ? persist : 'once';
}

/** An approval decision (from `yoke approve`, or a client that answers with decisions) as a response. */
export function responseOfDecision(decision: unknown): ElicitationResponse {
  switch (decision) {
    case 'accept':
      return { action: 'accept', content: {}, _meta: null };
    case 'acceptForSession':
      return { action: 'accept', content: {}, _meta: { persist: 'session' } };
    case 'cancel':
      return { action: 'cancel', content: null, _meta: null };
    default:
      return { action: 'decline', content: null, _meta: null };
  }
}
