// Tool names and name patterns. An MCP tool is offered to the model as `mcp__SERVER__TOOL`
// (Codex's naming); function names allow only [A-Za-z0-9_-] and 64 characters, so anything
// else is replaced and a long name is cut with a short hash of the whole that keeps it unique.
import { createHash } from 'node:crypto';

export const MCP_PREFIX = 'mcp__';
const MAX_NAME = 64;

export function qualifiedName(server: string, tool: string): string {
  const name = `${MCP_PREFIX}${server}__${tool.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha1').update(`${server}\0${tool}`).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - hash.length - 1)}_${hash}`;
}

/** Whether `name` could be an MCP tool name (the catalogue knows which ones are). */
export function isMcpName(name: string): boolean {
  return name.startsWith(MCP_PREFIX);
}

/** `*` matches any run of characters (`__` included), `?` one character; otherwise exact. */
export function matchesPattern(pattern: string, name: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === name;
  return compile(pattern).test(name);
}

export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => matchesPattern(pattern, name));
}

const compiled = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 's');
    compiled.set(pattern, re);
  }
  return re;
}
