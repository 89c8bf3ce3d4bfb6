// An ACP prompt (content blocks) as Yoke user input: text as it is, images as data URLs,
// resource links as mentions, embedded resources as quoted context.
import type * as acp from '@agentclientprotocol/sdk';
import type { UserInput } from '../../protocol/items.ts';

export class PromptError extends Error {
  readonly code = 'acp_prompt_invalid';
}

export function userInputOf(prompt: readonly acp.ContentBlock[]): UserInput[] {
  const input: UserInput[] = [];
  const text = (value: string) => input.push({ type: 'text', text: value, text_elements: [] });
  for (const block of prompt) {
    switch (block.type) {
      case 'text':
        text(block.text);
        break;
      case 'image':
        input.push({
          type: 'image',
          url: block.uri ?? `data:${block.mimeType};base64,${block.data}`,
        });
        break;
      case 'resource_link':
        text(`@${linkTarget(block.uri)}${block.title ? ` (${block.title})` : ''}`);
        break;
      case 'resource': {
        const resource = block.resource;
        if ('text' in resource) {
          text(`<context ref="${linkTarget(resource.uri)}">\n${resource.text}\n</context>`);
        } else if (resource.mimeType?.startsWith('image/')) {
          input.push({ type: 'image', url: `data:${resource.mimeType};base64,${resource.blob}` });
        } else text(`@${linkTarget(resource.uri)}`);
        break;
      }
      case 'audio':
        throw new PromptError(
          'audio prompts are not supported (promptCapabilities.audio is false)',
        );
    }
  }
  if (input.length === 0) throw new PromptError('the prompt is empty');
  return input;
}

/** A file:// URI as its path; any other URI as it is. */
function linkTarget(uri: string): string {
  if (!uri.startsWith('file://')) return uri;
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}
