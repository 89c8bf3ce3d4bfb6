// An MCP tool result, twice: what the model is sent (text cut head + tail like shell output,
// images as images — each provider adapter passes them the way its API takes them), and the
// result recorded in the mcpToolCall item (the server's own content blocks, with very large
// binary data left out).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { truncateHeadTail } from '../context/truncate.ts';
import type { McpToolCallItem } from '../protocol/items.ts';
import type { ToolOutputPart } from '../tools/types.ts';

/** Images past this size (base64 characters) are described instead of sent. */
const MAX_IMAGE_CHARS = 5 * 1024 * 1024;
/** Binary data past this size is left out of the stored item. */
const MAX_STORED_DATA = 256 * 1024;
const MAX_IMAGES = 8;

type Block = CallToolResult['content'][number];

export type ConvertedResult = {
  output: string | ToolOutputPart[];
  result: NonNullable<McpToolCallItem['result']>;
  /** The server said the call failed (isError): the text it gave. */
  error: string | null;
};

export function convertResult(raw: CallToolResult, budgetBytes: number): ConvertedResult {
  const texts: string[] = [];
  const images: ToolOutputPart[] = [];
  for (const block of raw.content ?? []) {
    const image = imageOf(block);
    if (image && images.length < MAX_IMAGES && image.data.length <= MAX_IMAGE_CHARS) {
      images.push({
        type: 'input_image',
        image_url: `data:${image.mimeType};base64,${image.data}`,
      });
      texts.push(`[image ${images.length}: ${image.mimeType}]`);
      continue;
    }
    texts.push(textOf(block));
  }
  if (texts.length === 0 && raw.structuredContent !== undefined)
    texts.push(JSON.stringify(raw.structuredContent));
  const joined = texts.join('\n');
  const text = truncateHeadTail(
    joined,
    budgetBytes,
    'the full result is in the mcpToolCall item',
  ).text;
  const output: ConvertedResult['output'] =
    images.length === 0 ? text : [{ type: 'input_text', text }, ...images];
  return {
    output,
    result: {
      content: (raw.content ?? []).map(storedBlock),
      structuredContent: raw.structuredContent ?? null,
      _meta: raw._meta ?? null,
    },
    error: raw.isError ? joined || 'the tool reported an error' : null,
  };
}

function imageOf(block: Block): { mimeType: string; data: string } | null {
  if (block.type === 'image') return { mimeType: block.mimeType, data: block.data };
  if (block.type === 'resource' && 'blob' in block.resource) {
    const mime = block.resource.mimeType ?? '';
    if (mime.startsWith('image/')) return { mimeType: mime, data: block.resource.blob };
  }
  return null;
}

function textOf(block: Block): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
      return `[image ${block.mimeType}, ${approxBytes(block.data)} bytes: not shown]`;
    case 'audio':
      return `[audio ${block.mimeType}, ${approxBytes(block.data)} bytes: not shown]`;
    case 'resource_link':
      return `[resource ${block.name}: ${block.uri}${block.description ? ` — ${block.description}` : ''}]`;
    case 'resource': {
      const r = block.resource;
      if ('text' in r) return `[resource ${r.uri}]\n${r.text}`;
      return `[resource ${r.uri}${r.mimeType ? ` (${r.mimeType})` : ''}, ${approxBytes(r.blob)} bytes of binary data: not shown]`;
    }
    default:
      return JSON.stringify(block);
  }
}

function storedBlock(block: Block): unknown {
  if ((block.type === 'image' || block.type === 'audio') && block.data.length > MAX_STORED_DATA)
    return { ...block, data: '', _yokeOmitted: `${approxBytes(block.data)} bytes not stored` };
  if (
    block.type === 'resource' &&
    'blob' in block.resource &&
    block.resource.blob.length > MAX_STORED_DATA
  )
    return {
      ...block,
      resource: { ...block.resource, blob: '' },
      _yokeOmitted: `${approxBytes(block.resource.blob)} bytes not stored`,
    };
  return block;
}

function approxBytes(base64: string): number {
  return Math.floor((base64.length * 3) / 4);
}
