// History → Anthropic Messages request body. Message conversion happens here and nowhere else.
//
// - instructions → `system` text block. Developer/system messages at the very start of the
//   history (before any user, assistant or tool item) join `system` as further text blocks:
//   Anthropic has no developer role and the system prompt is where standing instructions
//   carry most weight. Because history is append-only, that leading run never changes once
//   the first other item exists, so `system` stays stable for the whole thread. Developer or
//   system messages later in the history become user text blocks, in place.
// - user → user text / image blocks; images: `data:` URLs → base64 source, others → url source.
// - assistant message → assistant text blocks (empty texts are dropped: the API refuses them).
// - reasoning items that came from Anthropic (they carry `signature`) → `thinking` blocks with
//   the thinking text and signature passed back verbatim; a redacted block is stored with its
//   opaque data in `encrypted_content` and an empty signature (it has none of its own) and goes
//   back as `redacted_thinking`. Reasoning from other providers cannot be verified by Anthropic
//   and is dropped.
// - function_call → assistant `tool_use` {id: call_id, name, input}. `input` must be an object:
//   arguments that are not a JSON object are sent as `{}`. The raw text is not kept: the
//   paired tool_result already carries the engine's "not valid JSON" error, which is what the
//   model needs to correct itself.
// - function_call_output → user `tool_result`. Consecutive same-role items merge into one
//   message, so the results of one response's calls arrive together; tool results go before
//   any user text in that message, as the API requires.
//
// Caching ("stable prefix + newest message"): breakpoints on the last tool, the last system
// block and the last cacheable block of the newest message. Keys are written in a fixed order
// with `messages` LAST, so a longer history extends the previous body byte for byte EXCEPT for
// the moving breakpoint: the previous newest block loses its `cache_control` when a newer
// message arrives. That is by design — Anthropic caches the prefix of the content (blocks), not
// the bytes of the JSON, so a breakpoint that moves forward reads what the previous one wrote.
// `stripCacheControl` gives the bytes to compare for prefix checks.

import type {
  ContentPart,
  HistoryItem,
  ModelRequest,
  ReasoningEffort,
  ReasoningItem,
} from './types.ts';

export const ANTHROPIC_VERSION = '2023-06-01';
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 32_000;

type CacheControl = { type: 'ephemeral' };
type ImageSource =
  { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export type AnthropicBlock =
  | { type: 'text'; text: string; cache_control?: CacheControl }
  | { type: 'image'; source: ImageSource; cache_control?: CacheControl }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | {
      type: 'tool_use';
      id: string;
      name: string;
      input: Record<string, unknown>;
      cache_control?: CacheControl;
    }
  | {
      type: 'tool_result';
      tool_use_id: string;
      /** Text, or text and image blocks (a tool that returned images). */
      content: string | AnthropicBlock[];
      cache_control?: CacheControl;
    };

export type AnthropicMessage = { role: 'user' | 'assistant'; content: AnthropicBlock[] };

export type AnthropicConversation = {
  /** Leading developer/system texts, to follow the instructions in `system`. */
  system: string[];
  messages: AnthropicMessage[];
};

const EPHEMERAL: CacheControl = { type: 'ephemeral' };

/** Converts history; see the rules at the top of this file. */
export function toAnthropicMessages(input: readonly HistoryItem[]): AnthropicConversation {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  let leading = true;
  const add = (role: AnthropicMessage['role'], blocks: AnthropicBlock[]): void => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const item of input) {
    if (item.type === 'message' && (item.role === 'developer' || item.role === 'system')) {
      if (leading) {
        const text = joinText(item.content);
        if (text !== '') system.push(text);
      } else add('user', userBlocks(item.content));
      continue;
    }
    leading = false;
    switch (item.type) {
      case 'message':
        if (item.role === 'assistant') add('assistant', assistantBlocks(item.content));
        else add('user', userBlocks(item.content));
        break;
      case 'reasoning': {
        const block = thinkingBlock(item);
        if (block !== null) add('assistant', [block]);
        break;
      }
      case 'function_call':
        add('assistant', [
          { type: 'tool_use', id: item.call_id, name: item.name, input: toolInput(item.arguments) },
        ]);
        break;
      case 'function_call_output': {
        const block: AnthropicBlock = {
          type: 'tool_result',
          tool_use_id: item.call_id,
          content: typeof item.output === 'string' ? item.output : userBlocks(item.output),
        };
        // The API wants tool results first in their user message. History puts outputs right
        // after their calls, so this only matters if text ever lands in between.
        const last = messages.at(-1);
        const at =
          last?.role === 'user' ? last.content.findIndex((b) => b.type !== 'tool_result') : -1;
        if (last && at !== -1) last.content.splice(at, 0, block);
        else add('user', [block]);
        break;
      }
    }
  }
  return { system, messages };
}

function joinText(parts: ContentPart[]): string {
  return parts.flatMap((part) => (part.type === 'input_image' ? [] : [part.text])).join('\n\n');
}

function userBlocks(parts: ContentPart[]): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  for (const part of parts) {
    if (part.type === 'input_image') blocks.push({ type: 'image', source: imageSource(part) });
    else if (part.text !== '') blocks.push({ type: 'text', text: part.text });
  }
  return blocks;
}

function assistantBlocks(parts: ContentPart[]): AnthropicBlock[] {
  return parts.flatMap((part): AnthropicBlock[] =>
    part.type !== 'input_image' && part.text !== '' ? [{ type: 'text', text: part.text }] : [],
  );
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

function imageSource(part: { image_url: string }): ImageSource {
  const match = DATA_URL.exec(part.image_url);
  if (match) return { type: 'base64', media_type: match[1] ?? '', data: match[2] ?? '' };
  return { type: 'url', url: part.image_url };
}

function thinkingBlock(item: ReasoningItem): AnthropicBlock | null {
  if (item.signature === undefined) return null;
  if (typeof item.encrypted_content === 'string') {
    return { type: 'redacted_thinking', data: item.encrypted_content };
  }
  const thinking = item.summary.map((part) => part.text).join('');
  return { type: 'thinking', thinking, signature: item.signature };
}

function toolInput(args: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // not JSON: see the rule at the top of this file
  }
  return {};
}

/** Thinking budget per effort. `xhigh` takes all that max_tokens allows (see thinkingBudget). */
const EFFORT_BUDGET: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 4096,
  medium: 10_000,
  high: 20_000,
  xhigh: Number.POSITIVE_INFINITY,
};
/** The API's smallest budget, and what is kept for the answer after thinking. */
const MIN_BUDGET = 1024;
const ANSWER_RESERVE = 4096;

/** `budget_tokens` for an effort, below `max_tokens` with room left for the answer. */
export function thinkingBudget(effort: ReasoningEffort, maxTokens: number): number {
  return Math.max(MIN_BUDGET, Math.min(EFFORT_BUDGET[effort], maxTokens - ANSWER_RESERVE));
}

export type AnthropicBodyOptions = { maxTokens?: number };

/**
 * The request body. An output schema becomes an instruction (a last `system` block), not a
 * forced tool: forcing `tool_choice` would stop the model from calling the real tools during
 * the turn, and the API refuses forced tool use together with extended thinking. The engine
 * sees the final answer as ordinary text, as with the other adapters.
 */
export function buildAnthropicBody(
  request: ModelRequest,
  options: AnthropicBodyOptions = {},
): string {
  const { system: leading, messages } = toAnthropicMessages(request.input);
  const maxTokens = options.maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  const body: Record<string, unknown> = { model: request.model };
  const budget = request.reasoningEffort
    ? thinkingBudget(request.reasoningEffort, maxTokens)
    : undefined;
  // max_tokens must exceed the thinking budget; only a very small configured value is raised.
  body.max_tokens = budget === undefined ? maxTokens : Math.max(maxTokens, budget + MIN_BUDGET);
  body.stream = true;
  const system: { type: 'text'; text: string; cache_control?: CacheControl }[] = [];
  if (request.instructions !== '') system.push({ type: 'text', text: request.instructions });
  for (const text of leading) system.push({ type: 'text', text });
  if (request.outputSchema) {
    system.push({ type: 'text', text: schemaInstruction(request.outputSchema) });
  }
  const lastSystem = system.at(-1);
  if (lastSystem) lastSystem.cache_control = EPHEMERAL;
  if (system.length > 0) body.system = system;
  if (request.tools.length > 0) {
    const tools: Record<string, unknown>[] = request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.parameters,
    }));
    const lastTool = tools.at(-1);
    if (lastTool) lastTool.cache_control = EPHEMERAL;
    body.tools = tools;
    if (request.parallelToolCalls === false) {
      body.tool_choice = { type: 'auto', disable_parallel_tool_use: true };
    }
  }
  if (budget !== undefined) body.thinking = { type: 'enabled', budget_tokens: budget };
  markNewest(messages);
  body.messages = messages;
  return JSON.stringify(body);
}

export function schemaInstruction(schema: Record<string, unknown>): string {
  const ask =
    'When you give your final answer (a response with no tool calls), reply with only a JSON ' +
    'value that conforms to this JSON Schema — no prose, no code fences:';
  return `${ask}\n${JSON.stringify(schema)}`;
}

/** Puts the moving breakpoint on the newest message's last block that may carry one
 * (thinking blocks may not). */
function markNewest(messages: AnthropicMessage[]): void {
  const newest = messages.at(-1);
  if (!newest) return;
  for (let i = newest.content.length - 1; i >= 0; i--) {
    const block = newest.content[i];
    if (block && block.type !== 'thinking' && block.type !== 'redacted_thinking') {
      block.cache_control = EPHEMERAL;
      return;
    }
  }
}

/** The body without any `cache_control` field, re-serialized in the same key order. */
export function stripCacheControl(body: string): string {
  return JSON.stringify(JSON.parse(body), (key, value: unknown) =>
    key === 'cache_control' ? undefined : value,
  );
}

/**
 * True when `next` repeats `previous` up to the point where the newest message could grow,
 * ignoring cache breakpoints: `previous` minus its closing brackets (a merged message may gain
 * blocks, so more than the final `]}` can differ) must begin `next`.
 */
export function isAnthropicPrefixExtension(previous: string, next: string): boolean {
  const prefix = stripCacheControl(previous).replace(/[\]}]+$/, '');
  return stripCacheControl(next).startsWith(prefix);
}
