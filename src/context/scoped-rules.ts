// Scoped rules, loaded on first touch.
//
// At thread start the AGENTS.md chain from the git root down to the cwd is loaded
// (agents-md.ts). Instructions scoped to other parts of the repository become applicable
// only once a tool touches a path there — reads, writes or runs in it — and are then
// appended to the thread (appended, never rewritten: that keeps the prompt cache warm):
//
// - the AGENTS.md (or override / fallback) of every folder between the root and the touched
//   path that is not on the start-up chain — folders below the cwd, and sibling branches when
//   the cwd is deeper than the root — outermost first;
// - every `.yoke/rules/*.md` under the root whose front matter names path globs matching the
//   touched path, relative to the root (see glob.ts). `paths` (or Cursor's `globs`) takes
//   `["a", "b"]`, a comma-separated string or a YAML list; a rule without either applies to
//   any path, so it loads on the first touch of anything in the repository.
//
// Folders inside node_modules or .git are never searched (see isVendored).
//
// Each rule is returned once per thread. `loadedIds` (root-relative paths) is the state to
// persist; a ScopedRules built with those ids on resume returns nothing it returned before.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { findGitRoot, folderInstructionFile, headWithin, projectChain } from './agents-md.ts';
import { matchesAny } from './glob.ts';

export const RULES_DIR = join('.yoke', 'rules');
/** A scoped rule file is cut to this many bytes (with a note) so one file cannot flood the
 * context; it matches the AGENTS.md budget. */
export const DEFAULT_RULE_MAX_BYTES = 32 * 1024;

export type ScopedRule = {
  /** Root-relative `/`-separated path of the file: the id kept in `loadedIds`. */
  id: string;
  /** Absolute path. */
  path: string;
  kind: 'agents-md' | 'rule';
  /** What it applies to: `src/lib/` for an AGENTS.md, the globs for a rule. */
  appliesTo: string;
  /** The instructions (front matter removed). */
  text: string;
};

export type ScopedRulesOptions = {
  cwd: string;
  /** Repository root; by default the git root of the cwd, or the cwd outside a repository. */
  root?: string;
  fallbackNames?: readonly string[];
  /** Ids already returned in this thread (from `loadedIds`, on resume). */
  loadedIds?: Iterable<string>;
  maxBytes?: number;
};

type RuleFile = { id: string; path: string; patterns: string[]; body: string };

export class ScopedRules {
  readonly root: string;
  private readonly cwd: string;
  private readonly startChain: Set<string>;
  private readonly fallbackNames: readonly string[];
  private readonly maxBytes: number;
  private readonly seen: Set<string>;
  private ruleFiles: RuleFile[] | null = null;

  constructor(options: ScopedRulesOptions) {
    this.cwd = resolve(options.cwd);
    this.root = resolve(options.root ?? findGitRoot(this.cwd) ?? this.cwd);
    this.startChain = new Set(projectChain(this.cwd));
    this.fallbackNames = options.fallbackNames ?? [];
    this.maxBytes = options.maxBytes ?? DEFAULT_RULE_MAX_BYTES;
    this.seen = new Set(options.loadedIds ?? []);
  }

  /** Ids of every rule returned so far, in the order they were returned. */
  get loadedIds(): string[] {
    return [...this.seen];
  }

  /** The rules that become applicable because a tool touched `target` (relative to the cwd
   * or absolute; a file, a folder, or a path that does not exist yet). */
  touch(target: string): ScopedRule[] {
    const abs = resolve(this.cwd, target);
    const rel = relative(this.root, abs);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return [];
    const found: ScopedRule[] = [];
    const dir = isDirectory(abs) ? abs : dirname(abs);
    for (const folder of foldersBetween(this.root, dir)) {
      if (this.startChain.has(folder) || isVendored(relative(this.root, folder))) continue;
      const path = folderInstructionFile(folder, this.fallbackNames);
      if (path === null) continue;
      const id = toPosix(relative(this.root, path));
      if (this.seen.has(id)) continue;
      const text = readText(path).trim();
      if (text === '') continue;
      const folderRel = toPosix(relative(this.root, folder));
      found.push(this.rule(id, path, 'agents-md', `${folderRel}/`, text));
    }
    const relPath = toPosix(rel);
    for (const file of this.rules()) {
      if (this.seen.has(file.id) || !matchesAny(relPath, file.patterns)) continue;
      found.push(this.rule(file.id, file.path, 'rule', file.patterns.join(', '), file.body));
    }
    for (const rule of found) this.seen.add(rule.id);
    return found;
  }

  private rule(
    id: string,
    path: string,
    kind: ScopedRule['kind'],
    appliesTo: string,
    text: string,
  ): ScopedRule {
    return { id, path, kind, appliesTo, text: capText(text, this.maxBytes) };
  }

  /** The rule files, read once per thread: rules are project configuration, not live data. */
  private rules(): RuleFile[] {
    if (this.ruleFiles !== null) return this.ruleFiles;
    const dir = join(this.root, RULES_DIR);
    let names: string[];
    try {
      names = readdirSync(dir).filter((name) => name.endsWith('.md'));
    } catch {
      names = [];
    }
    this.ruleFiles = names.sort().flatMap((name): RuleFile[] => {
      const path = join(dir, name);
      const { data, body } = parseFrontMatter(readText(path));
      const text = body.trim();
      if (text === '') return [];
      const listed = data.paths ?? data.globs;
      const patterns = listed === undefined ? ['**'] : Array.isArray(listed) ? listed : [listed];
      const id = toPosix(relative(this.root, path));
      return [{ id, path, patterns: patterns.filter((p) => p !== ''), body: text }];
    });
    return this.ruleFiles;
  }
}

/** The message that hands newly applicable rules to the model, or '' for none. */
export function renderScopedRules(rules: readonly ScopedRule[]): string {
  if (rules.length === 0) return '';
  const sections = rules.map((rule) => {
    const scope =
      rule.kind === 'agents-md'
        ? `applies under ${rule.appliesTo}`
        : `applies to ${rule.appliesTo}`;
    return `## ${rule.path} (${scope})\n\n${rule.text}`;
  });
  return `# Scoped instructions now in effect\n\n<INSTRUCTIONS>\n${sections.join('\n\n')}\n</INSTRUCTIONS>`;
}

export type FrontMatter = { data: Record<string, string | string[]>; body: string };

/**
 * Reads a leading `---` … `---` block of `key: value` lines: values are strings, `[…]` lists
 * (quoted or bare items), comma-separated strings for `paths`/`globs`, or YAML `- item` lists.
 * Not a YAML parser — just the subset rule files use.
 */
export function parseFrontMatter(text: string): FrontMatter {
  const source = text.replace(/^\uFEFF/, '');
  const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(source);
  if (!match) return { data: {}, body: source };
  const data: Record<string, string | string[]> = {};
  let listKey: string | null = null;
  for (const line of (match[1] ?? '').split(/\r?\n/)) {
    const item = /^\s+-\s*(.*)$/.exec(line);
    if (item && listKey !== null) {
      const current = data[listKey];
      const list = Array.isArray(current) ? current : [];
      list.push(unquote(item[1] ?? ''));
      data[listKey] = list;
      continue;
    }
    const field = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!field) continue;
    const key = field[1] ?? '';
    const value = (field[2] ?? '').trim();
    listKey = value === '' ? key : null;
    if (value === '') data[key] = [];
    else if (value.startsWith('[') && value.endsWith(']'))
      data[key] = splitList(value.slice(1, -1));
    else if (key === 'paths' || key === 'globs') data[key] = splitList(value);
    else data[key] = unquote(value);
  }
  return { data, body: source.slice(match[0].length) };
}

/** Splits on commas outside quotes and braces (`src/{a,b}/*` stays whole). */
function splitList(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  let depth = 0;
  for (const ch of value) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
      current += ch;
    }
  }
  parts.push(current);
  return parts.map(unquote).filter((part) => part !== '');
}

function unquote(value: string): string {
  const trimmed = value.trim();
  const first = trimmed[0];
  if (trimmed.length >= 2 && (first === '"' || first === "'") && trimmed.endsWith(first)) {
    return trimmed.slice(1, -1);
  }
  return trimmed;
}

/** Text cut to `maxBytes`, with a note saying how much is missing. */
function capText(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const head = headWithin(text, maxBytes);
  const missing = bytes - Buffer.byteLength(head);
  return `${head}\n[… rule cut at ${maxBytes} bytes; ${missing} bytes not shown …]`;
}

/** `root` and every folder below it down to `dir`, outermost first (dir is inside root). */
function foldersBetween(root: string, dir: string): string[] {
  const folders: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    folders.unshift(current);
    if (current === root || dirname(current) === current) return folders;
  }
}

/** Dependencies and git internals ship their own AGENTS.md / CLAUDE.md for THEIR developers;
 * loading them would hand third-party text the authority of project instructions. */
function isVendored(folderRel: string): boolean {
  return folderRel.split(sep).some((part) => part === 'node_modules' || part === '.git');
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
