// Running the tool calls of one model response. Consecutive read-only calls run in parallel;
// a mutating call runs alone. Outputs are appended in the order the model made the calls, so
// history stays deterministic whatever finishes first.
import type { FunctionCallItem, FunctionCallOutputItem } from '../models/types.ts';
import type { DynamicToolCallItem, ThreadItem } from '../protocol/items.ts';
import { parseToolArgs } from '../tools/registry.ts';
import { ToolError, type Tool, type ToolContext, type ToolProgress } from '../tools/types.ts';
import { Channel } from './channel.ts';
import type { EngineEvent } from './events.ts';

export type ToolCallEvent = EngineEvent | { type: 'output'; item: FunctionCallOutputItem };

type Prepared =
  { call: FunctionCallItem; tool: Tool; args: unknown } | { call: FunctionCallItem; error: string };

export async function* runToolCalls(
  calls: FunctionCallItem[],
  tools: readonly Tool[],
  base: Omit<ToolContext, 'signal' | 'progress'>,
  signal: AbortSignal,
  unknownTool: (name: string) => string | null = () => null,
): AsyncGenerator<ToolCallEvent> {
  const prepared = calls.map((call) => prepare(call, tools, unknownTool));
  for (const group of groups(prepared)) {
    if (signal.aborted) {
      for (const p of group) yield* skipped(p.call);
      continue;
    }
    const channel = new Channel<ToolCallEvent>();
    const outputs = group.map((p) => runOne(p, base, signal, (e) => channel.push(e)));
    const all = Promise.all(outputs);
    let settled = false;
    void all.then(() => (settled = true));
    while (!settled) {
      await channel.wait(all);
      // Resumed after each yield: the caller has handled the event (stored it, sent it on).
      yield* channel.drain();
      channel.acknowledge();
    }
    yield* channel.drain();
    channel.acknowledge();
    for (const item of await all) yield { type: 'output', item };
  }
}

function prepare(
  call: FunctionCallItem,
  tools: readonly Tool[],
  unknownTool: (name: string) => string | null,
): Prepared {
  const tool = tools.find((t) => t.name === call.name);
  if (!tool) {
    const why = unknownTool(call.name);
    if (why) return { call, error: why };
    const names = tools.map((t) => t.name).join(', ');
    return { call, error: `unknown tool "${call.name}"; the available tools are: ${names}` };
  }
  const parsed = parseToolArgs(tool, call.arguments);
  return parsed.ok ? { call, tool, args: parsed.args } : { call, error: parsed.error };
}

/** Splits calls into batches: runs of read-only calls together, mutating calls alone. */
function groups(prepared: Prepared[]): Prepared[][] {
  const out: Prepared[][] = [];
  let run: Prepared[] = [];
  for (const p of prepared) {
    const parallel = 'tool' in p && !p.tool.mutating;
    if (parallel) {
      run.push(p);
      continue;
    }
    if (run.length) out.push(run);
    run = [];
    out.push([p]);
  }
  if (run.length) out.push(run);
  return out;
}

async function runOne(
  p: Prepared,
  base: Omit<ToolContext, 'signal' | 'progress'>,
  signal: AbortSignal,
  emit: (event: ToolCallEvent) => Promise<void>,
): Promise<FunctionCallOutputItem> {
  const callId = p.call.call_id;
  const output = (text: FunctionCallOutputItem['output']): FunctionCallOutputItem => ({
    type: 'function_call_output',
    call_id: callId,
    output: text,
  });
  if ('error' in p) {
    const item = failedDynamic(p.call, p.error);
    void emit({ type: 'itemStarted', item: { ...item, status: 'inProgress', contentItems: null } });
    void emit({ type: 'itemCompleted', item });
    return output(p.error);
  }
  let started: ThreadItem;
  try {
    started = p.tool.startItem(callId, p.args as never, base);
  } catch (err) {
    started = failedDynamic(p.call, String(err));
  }
  const announced = emit({ type: 'itemStarted', item: started });
  const progress = (event: ToolProgress) => {
    if (event.type === 'outputDelta') {
      void emit({ type: 'commandOutputDelta', itemId: callId, delta: event.delta });
    } else if (event.type === 'progress') {
      void emit({ type: 'toolProgress', itemId: callId, message: event.message });
    } else void emit({ type: 'planUpdated', explanation: event.explanation, plan: event.plan });
  };
  // A question about the call goes out only after the call's item/started: clients show (and
  // take the diff of a file change from) that item.
  const authorize: ToolContext['authorize'] = async (request) => {
    await announced;
    return base.authorize(request);
  };
  const { elicit } = base;
  const asks = elicit
    ? {
        elicit: async (ask: Parameters<typeof elicit>[0]) => {
          await announced;
          return elicit(ask);
        },
      }
    : {};
  try {
    const result = await p.tool.execute(callId, p.args as never, {
      ...base,
      signal,
      progress,
      authorize,
      ...asks,
    });
    void emit({ type: 'itemCompleted', item: result.item });
    return output(result.output);
  } catch (err) {
    const message =
      err instanceof ToolError
        ? err.message
        : `internal error in ${p.tool.name}: ${err instanceof Error ? err.message : String(err)}`;
    void emit({ type: 'itemCompleted', item: failedItem(started, message) });
    return output(message);
  }
}

async function* skipped(call: FunctionCallItem): AsyncGenerator<ToolCallEvent> {
  yield {
    type: 'output',
    item: {
      type: 'function_call_output',
      call_id: call.call_id,
      output: 'not run: the user interrupted the turn',
    },
  };
}

function failedDynamic(call: FunctionCallItem, message: string): DynamicToolCallItem {
  return {
    type: 'dynamicToolCall',
    id: call.call_id,
    tool: call.name,
    arguments: call.arguments,
    status: 'failed',
    success: false,
    contentItems: [{ type: 'inputText', text: message }],
  };
}

/** The started item, completed as failed with the error shown where the item shows output. */
function failedItem(started: ThreadItem, message: string): ThreadItem {
  switch (started.type) {
    case 'commandExecution':
      return { ...started, status: 'failed', aggregatedOutput: message };
    case 'fileChange':
      return { ...started, status: 'failed' };
    case 'dynamicToolCall':
      return {
        ...started,
        status: 'failed',
        success: false,
        contentItems: [{ type: 'inputText', text: message }],
      };
    case 'mcpToolCall':
      return { ...started, status: 'failed', error: { message } };
    default:
      return started;
  }
}
