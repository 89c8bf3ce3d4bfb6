// The App Server's questions (commands, patches, MCP tool calls) asked of the editor with
// `session/request_permission`; its choice goes back as the decision. A question the App Server
// withdraws (answered elsewhere, or its turn ended) is withdrawn from the editor too.
import type * as acp from '@agentclientprotocol/sdk';
import type { YokeClient } from '../../client/client.ts';
import { displayedCommand } from '../../protocol/command-line.ts';
import type { AcpSession } from './session.ts';
import {
  chosenOption,
  commandDecision,
  commandOptions,
  fileChangeDecision,
  fileChangeOptions,
  mcpOptions,
  mcpResponse,
  type OptionId,
} from './permissions.ts';
import { toolCallFields, type ToolItem } from './tool-calls.ts';

export type PermissionDeps = {
  yoke: YokeClient;
  session: (threadId: string) => AcpSession | undefined;
  /** The editor's side of the connection (null before it connected). */
  editor: () => acp.AgentContext | null;
  /** The last known state of a tool item (its item/started), for the question's tool call. */
  item: (itemId: string) => ToolItem | undefined;
};

const EDITS = 'edits';

export function bridgePermissions(deps: PermissionDeps): void {
  const { yoke } = deps;
  yoke.onServerRequest('item/commandExecution/requestApproval', async (params, meta) => {
    const session = deps.session(params.threadId);
    if (!session) return { decision: 'decline' };
    const command = params.command ? displayedCommand(params.command) : null;
    const key = JSON.stringify([params.command ?? '', params.cwd ?? '']);
    if (session.rejected.has(key)) return { decision: 'decline' };
    const amendment = params.proposedExecpolicyAmendment;
    const option = await ask(
      deps,
      session,
      meta.id,
      {
        ...toolCall(deps, params.itemId),
        title: command ?? 'Run a command',
        kind: 'execute',
        rawInput: { command, cwd: params.cwd, reason: params.reason ?? null },
      },
      commandOptions(amendment),
    );
    if (option === 'reject_always') session.rejected.add(key);
    return { decision: commandDecision(option, amendment) };
  });
  yoke.onServerRequest('item/fileChange/requestApproval', async (params, meta) => {
    const session = deps.session(params.threadId);
    if (!session) return { decision: 'decline' };
    if (session.rejected.has(EDITS)) return { decision: 'decline' };
    const option = await ask(
      deps,
      session,
      meta.id,
      toolCall(deps, params.itemId),
      fileChangeOptions(),
    );
    if (option === 'reject_always') session.rejected.add(EDITS);
    return { decision: fileChangeDecision(option) };
  });
  yoke.onServerRequest('mcpServer/elicitation/request', async (params, meta) => {
    const session = deps.session(params.threadId);
    const approval =
      (params._meta as { codex_approval_kind?: unknown } | null)?.codex_approval_kind ===
      'mcp_tool_call';
    // Only tool approvals: an MCP server's own forms have no ACP counterpart here.
    if (!session || !approval) return { action: 'decline', content: null, _meta: null };
    const option = await ask(
      deps,
      session,
      meta.id,
      {
        ...(params.itemId
          ? toolCall(deps, params.itemId)
          : { toolCallId: `mcp-${String(meta.id)}` }),
        title: params.message,
        kind: 'other',
      },
      mcpOptions(),
    );
    return mcpResponse(option);
  });
  yoke.onNotification('serverRequest/resolved', (params) => {
    deps.session(params.threadId)?.asking.get(params.requestId)?.abort();
  });
}

function toolCall(deps: PermissionDeps, itemId: string): acp.ToolCallUpdate {
  const item = deps.item(itemId);
  return item
    ? { toolCallId: itemId, ...toolCallFields(item), status: 'pending' }
    : { toolCallId: itemId, status: 'pending' };
}

/** Asks the editor; null when the question was cancelled (by either side) or went unanswered. */
async function ask(
  deps: PermissionDeps,
  session: AcpSession,
  requestId: string | number,
  toolCall: acp.ToolCallUpdate,
  options: acp.PermissionOption[],
): Promise<OptionId | null> {
  const editor = deps.editor();
  if (!editor) return null;
  const withdraw = new AbortController();
  session.asking.set(requestId, withdraw);
  try {
    const answer = await editor.request(
      'session/request_permission',
      { sessionId: session.id, toolCall, options },
      { cancellationSignal: withdraw.signal, stopWaitingOnCancel: true },
    );
    return chosenOption(answer.outcome);
  } catch {
    return null;
  } finally {
    session.asking.delete(requestId);
  }
}
