// History → Chat Completions request body. Message conversion happens here and nowhere else.
//
// - instructions → the first `system` message; developer/system items → `system` messages
//   (one each, text parts joined with a blank line).
// - user → `user`: a plain string when it is one text part, else text / image_url parts.
// - assistant message → `assistant` with string content.
// - consecutive function_call items → ONE assistant message with `tool_calls`; when they
//   directly follow an assistant message (text and calls from the same response) the calls
//   are attached to that message. `content` is null on a calls-only message.
// - function_call_output → `tool` message (text only: chat servers take no images there). The
//   images of a run of tool outputs follow it in one `user` message.
// - reasoning items are dropped: chat servers do not take them back (DeepSeek refuses
//   `reasoning_content` in input), and their summaries are not the model's real thoughts.
//
// The body is deterministic with `messages` last, so longer histories give byte-prefix-
// extensions up to the closing `]}`, as for Responses. `prompt_cache_key` is not sent: many
// compatible servers reject unknown fields; they cache by prefix anyway.

import type { ContentPart, HistoryItem, ModelRequest } from './types.ts';

type ChatToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

type ChatContentPart =
  { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export function toChatMessages(instructions: string, input: HistoryItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (instructions !== '') messages.push({ role: 'system', content: instructions });
  // The assistant message calls may be attached to (only right after it or after its calls).
  let open: Extract<ChatMessage, { role: 'assistant' }> | null = null;
  let images: ChatContentPart[] = [];
  const flushImages = () => {
    if (images.length === 0) return;
    messages.push({
      role: 'user',
      content: [{ type: 'text', text: 'Images returned by the tool calls above:' }, ...images],
    });
    images = [];
  };
  for (const item of input) {
    if (item.type !== 'function_call_output') flushImages();
    switch (item.type) {
      case 'message': {
        open = null;
        if (item.role === 'user')
          messages.push({ role: 'user', content: userContent(item.content) });
        else if (item.role === 'assistant') {
          open = { role: 'assistant', content: joinText(item.content) };
          messages.push(open);
        } else messages.push({ role: 'system', content: joinText(item.content) });
        break;
      }
      case 'function_call': {
        if (open === null) {
          open = { role: 'assistant', content: null };
          messages.push(open);
        }
        const call: ChatToolCall = {
          id: item.call_id,
          type: 'function',
          function: { name: item.name, arguments: item.arguments },
        };
        open.tool_calls = [...(open.tool_calls ?? []), call];
        break;
      }
      case 'function_call_output': {
        open = null;
        const parts = typeof item.output === 'string' ? null : item.output;
        const content = parts ? joinText(parts) : (item.output as string);
        messages.push({ role: 'tool', tool_call_id: item.call_id, content });
        for (const part of parts ?? []) {
          if (part.type === 'input_image')
            images.push({ type: 'image_url', image_url: { url: part.image_url } });
        }
        break;
      }
      case 'reasoning':
        break; // dropped, see above; does not close the open assistant message
    }
  }
  flushImages();
  return messages;
}

function joinText(parts: ContentPart[]): string {
  return parts.flatMap((part) => (part.type === 'input_image' ? [] : [part.text])).join('\n\n');
}

function userContent(parts: ContentPart[]): string | ChatContentPart[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only !== undefined && only.type !== 'input_image') return only.text;
  return parts.map((part) =>
    part.type === 'input_image'
      ? { type: 'image_url', image_url: { url: part.image_url } }
      : { type: 'text', text: part.text },
  );
}

export function buildChatBody(request: ModelRequest): string {
  const body: Record<string, unknown> = {
    model: request.model,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.reasoningEffort) body.reasoning_effort = request.reasoningEffort;
  if (request.outputSchema) {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: 'codex_output_schema', schema: request.outputSchema, strict: true },
    };
  }
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
    body.tool_choice = 'auto';
    if (request.parallelToolCalls !== undefined)
      body.parallel_tool_calls = request.parallelToolCalls;
  }
  body.messages = toChatMessages(request.instructions, request.input);
  return JSON.stringify(body);
}
