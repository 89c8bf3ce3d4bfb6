// An MCP tool as an ordinary tool of the registry: the engine calls it like read_file. It asks
// the approval broker first (a tool the server marks read-only is a safe read), then calls the
// server — with the turn's signal, the tool timeout, progress, and the user for elicitations —
// and turns the result into the model's output and an mcpToolCall item.
import * as z from 'zod';
import type { McpToolCallItem } from '../protocol/items.ts';
import { ToolError, type Tool } from '../tools/types.ts';
import type { CatalogueEntry } from './catalogue.ts';
import type { McpHub } from './hub.ts';
import { convertResult } from './result.ts';

const anyObject = z.record(z.string(), z.unknown());

export function mcpTool(entry: CatalogueEntry, hub: McpHub): Tool<typeof anyObject> {
  const start = (callId: string, args: unknown): McpToolCallItem => ({
    type: 'mcpToolCall',
    id: callId,
    server: entry.server,
    tool: entry.tool,
    status: 'inProgress',
    arguments: args ?? {},
    result: null,
    error: null,
    durationMs: null,
    readOnlyHint: entry.hints.readOnly ?? null,
  });
  return {
    name: entry.name,
    description: entry.description,
    schema: anyObject,
    parameters: entry.inputSchema,
    mutating: !entry.readOnly,
    startItem: (callId, args) => start(callId, args),
    async execute(callId, args, ctx) {
      const started = performance.now();
      const item = start(callId, args);
      const authorization = await ctx.authorize({
        kind: 'mcpToolCall',
        itemId: callId,
        server: entry.server,
        tool: entry.tool,
        arguments: args,
        description: entry.description,
        hints: entry.hints,
      });
      if (!authorization.approved) throw new ToolError(authorization.reason);
      let raw;
      try {
        raw = await hub.server(entry.server).callTool(entry.tool, args, {
          signal: ctx.signal,
          onProgress: (message) => ctx.progress({ type: 'progress', message }),
          ...(ctx.elicit
            ? {
                elicit: (request) => ctx.elicit!({ itemId: callId, server: entry.server, request }),
              }
            : {}),
        });
      } catch (err) {
        throw new ToolError(err instanceof Error ? err.message : String(err));
      }
      const converted = convertResult(raw, ctx.outputBudgetBytes);
      const durationMs = Math.round(performance.now() - started);
      return {
        output: converted.output,
        item: {
          ...item,
          status: converted.error === null ? 'completed' : 'failed',
          result: converted.result,
          error: converted.error === null ? null : { message: converted.error },
          durationMs,
        },
      };
    },
  };
}
