// Errors of the MCP layer. Configuration problems are refused where they are read; a server
// that cannot start or dies is a state of its connection, and reaches the model as a precise
// tool error, never as a thrown exception out of a turn.
export type McpErrorCode =
  /** `[mcp_servers]` or `[toolsets]` is malformed (the message names the key). */
  | 'mcp_config_invalid'
  /** No configured server, or no tool of that name on it. */
  | 'mcp_not_found'
  /** The server did not start, died, or did not answer in time. */
  | 'mcp_unavailable'
  /** A toolset or tool pattern names nothing that exists. */
  | 'toolset_invalid';

export class McpError extends Error {
  constructor(
    readonly code: McpErrorCode,
    message: string,
  ) {
    super(message);
  }
}
