// What a session's thread goes through, from what the editor offers: its MCP servers (always),
// its buffers when it offers `fs/*`, its terminal when it offers `terminal/*` and the config
// opts in (`[acp] editor_terminal = true`). The runtime swaps them in (ThreadPorts); the tools
// do not know where their files and processes come from.
import type * as acp from '@agentclientprotocol/sdk';
import type { ThreadPorts } from '../../runtime/thread-ports.ts';
import { editorFiles } from './editor-files.ts';
import { editorMcpServers } from './mcp-servers.ts';
import { terminalRunner } from './terminal-runner.ts';

export type PortsOptions = {
  editor: () => acp.AgentContext | null;
  capabilities: acp.ClientCapabilities;
  /** Commands may start in the editor's terminal (config). */
  editorTerminal: boolean;
  log: (line: string) => void;
  /** A command's terminal exists (its id) or is gone (null). */
  onTerminal: (sessionId: string, terminalId: string | null) => void;
};

export function editorPorts(
  options: PortsOptions,
  sessionId: string,
  mcpServers: readonly acp.McpServer[],
): ThreadPorts {
  const { editor, capabilities, log } = options;
  const { servers, skipped } = editorMcpServers(mcpServers);
  for (const reason of skipped) log(`the editor's MCP server ${reason}; left out`);
  const files = editorFiles({ editor, sessionId, capabilities: capabilities.fs ?? {}, log });
  const terminal = capabilities.terminal === true && options.editorTerminal;
  return {
    mcpServers: servers,
    ...(files ? { files } : {}),
    ...(terminal
      ? {
          commands: terminalRunner({
            editor,
            sessionId,
            onTerminal: (id) => options.onTerminal(sessionId, id),
          }),
        }
      : {}),
  };
}
