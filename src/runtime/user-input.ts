// User input as the model sees it. Local images are inlined as data URLs.
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { ContentPart, HistoryItem } from '../models/types.ts';
import type { UserInput } from '../protocol/items.ts';
import { RuntimeError } from './errors.ts';

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

export function userMessage(input: UserInput[], cwd: string): HistoryItem {
  return { type: 'message', role: 'user', content: input.map((part) => toContent(part, cwd)) };
}

function toContent(part: UserInput, cwd: string): ContentPart {
  switch (part.type) {
    case 'text':
      return { type: 'input_text', text: part.text };
    case 'image':
      return { type: 'input_image', image_url: part.url };
    case 'localImage': {
      const path = resolve(cwd, part.path);
      const mime = IMAGE_TYPES[extname(path).toLowerCase()];
      if (!mime) {
        throw new RuntimeError(
          'input_invalid',
          `${part.path}: not a supported image type (png, jpeg, gif, webp)`,
        );
      }
      let data: Buffer;
      try {
        data = readFileSync(path);
      } catch (err) {
        throw new RuntimeError(
          'input_invalid',
          `cannot read image ${part.path}: ${(err as NodeJS.ErrnoException).code}`,
        );
      }
      return { type: 'input_image', image_url: `data:${mime};base64,${data.toString('base64')}` };
    }
  }
}

/** A short preview of input for thread lists. */
export function previewOf(input: UserInput[]): string {
  return input
    .map((i) => (i.type === 'text' ? i.text : ''))
    .join(' ')
    .trim()
    .slice(0, 200);
}
