// A best-effort reading of what a command does, for display (Codex's `commandActions`).
import type { CommandAction } from '../protocol/items.ts';

export function describeCommand(command: string): CommandAction[] {
  const parts = command.split(/\s*(?:&&|\|\||;|\|)\s*/).filter(Boolean);
  return parts.map((part) => describeOne(part.trim()));
}

function describeOne(command: string): CommandAction {
  const words = command.split(/\s+/);
  const [head, ...rest] = words;
  const operands = rest.filter((w) => !w.startsWith('-'));
  switch (head) {
    case 'cat':
    case 'head':
    case 'tail':
    case 'less':
    case 'nl': {
      const path = operands.at(-1);
      if (path) return { type: 'read', command, name: basename(path), path };
      break;
    }
    case 'ls':
    case 'tree':
    case 'find':
      return { type: 'listFiles', command, path: operands[0] ?? null };
    case 'rg':
    case 'grep':
      return { type: 'search', command, query: operands[0] ?? null, path: operands[1] ?? null };
  }
  return { type: 'unknown', command };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
