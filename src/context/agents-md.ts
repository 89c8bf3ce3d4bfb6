// AGENTS.md discovery: the instructions a thread starts with.
//
// Order (outermost first, so the most specific file has the last word): the global file in
// YOKE_HOME, then one file per folder from the git root down to the cwd. In each folder
// AGENTS.override.md wins over AGENTS.md, and the fallback names (e.g. CLAUDE.md) count only
// when neither exists. The first of those names that exists is the folder's file — an empty
// override therefore silences the folder's AGENTS.md. The git root is the nearest ancestor
// holding `.git` (a directory, or a file in worktrees and submodules); outside a repository
// only the cwd itself is searched, so Yoke never reads instructions from unrelated parents.
//
// Files are read once, at thread start; what lies below the cwd loads on first touch
// (scoped-rules.ts). The file contents share one byte budget (32 KiB by default), filled in
// order; when it runs out the text is cut at a line end and a visible note says how much was
// left out, so neither the model nor the user mistakes a cut file for a whole one.

import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const AGENTS_MD = 'AGENTS.md';
export const AGENTS_OVERRIDE_MD = 'AGENTS.override.md';
export const DEFAULT_AGENTS_MD_MAX_BYTES = 32 * 1024;

export type AgentsMdOptions = {
  cwd: string;
  /** YOKE_HOME; its AGENTS.md (or override / fallback) comes first. */
  home?: string;
  /** Names tried in a folder that has neither AGENTS.override.md nor AGENTS.md. */
  fallbackNames?: readonly string[];
  /** Budget for the contents of all files together. */
  maxBytes?: number;
};

export type AgentsMd = {
  /** The rendered message, or '' when no file has any content. */
  text: string;
  /** Absolute paths of the files whose contents are in `text` (or were cut from it), in order. */
  sources: string[];
  /** Bytes of file content left out because of the budget. */
  omittedBytes: number;
};

/** Nearest ancestor of `dir` (itself included) holding `.git`, or null. */
export function findGitRoot(dir: string): string | null {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (exists(join(current, '.git'))) return current;
    const parent = dirname(current);
    if (parent === current) return null;
  }
}

/** Folders from the git root (or the cwd, outside a repository) down to the cwd. */
export function projectChain(cwd: string): string[] {
  const end = resolve(cwd);
  const root = findGitRoot(end) ?? end;
  const chain: string[] = [];
  for (let current = end; ; current = dirname(current)) {
    chain.unshift(current);
    if (current === root || dirname(current) === current) return chain;
  }
}

/** The instruction file that applies to one folder, or null. */
export function folderInstructionFile(
  dir: string,
  fallbackNames: readonly string[] = [],
): string | null {
  for (const name of [AGENTS_OVERRIDE_MD, AGENTS_MD, ...fallbackNames]) {
    const path = join(dir, name);
    if (isFile(path)) return path;
  }
  return null;
}

export function discoverAgentsMd(options: AgentsMdOptions): AgentsMd {
  const cwd = resolve(options.cwd);
  const fallbacks = options.fallbackNames ?? [];
  const folders = [...(options.home ? [resolve(options.home)] : []), ...projectChain(cwd)];
  const files: { path: string; content: string }[] = [];
  const seen = new Set<string>();
  for (const dir of folders) {
    const path = folderInstructionFile(dir, fallbacks);
    // YOKE_HOME may itself sit in the chain; one file is read once.
    if (path === null || seen.has(path)) continue;
    seen.add(path);
    const content = readText(path).trim();
    if (content !== '') files.push({ path, content });
  }
  return renderAgentsMd(cwd, files, options.maxBytes ?? DEFAULT_AGENTS_MD_MAX_BYTES);
}

/** Renders files (outermost first) into the message, within `maxBytes` of content. */
export function renderAgentsMd(
  cwd: string,
  files: readonly { path: string; content: string }[],
  maxBytes: number = DEFAULT_AGENTS_MD_MAX_BYTES,
): AgentsMd {
  if (files.length === 0) return { text: '', sources: [], omittedBytes: 0 };
  let left = maxBytes;
  let omittedBytes = 0;
  const sections: string[] = [];
  const sources: string[] = [];
  for (const file of files) {
    const bytes = Buffer.byteLength(file.content);
    sources.push(file.path);
    if (bytes <= left) {
      sections.push(`## ${file.path}\n\n${file.content}`);
      left -= bytes;
      continue;
    }
    const kept = headWithin(file.content, left);
    omittedBytes += bytes - Buffer.byteLength(kept);
    if (kept !== '') sections.push(`## ${file.path}\n\n${kept}`);
    left = 0;
  }
  if (omittedBytes > 0) {
    sections.push(`[… AGENTS.md cut at ${sizeLabel(maxBytes)}; ${omittedBytes} bytes not shown …]`);
  }
  const text = `# AGENTS.md instructions for ${cwd}\n\n<INSTRUCTIONS>\n${sections.join('\n\n')}\n</INSTRUCTIONS>`;
  return { text, sources, omittedBytes };
}

/** The longest head of `text` within `budget` bytes, ending at a line end when one is near
 * (in the second half of the budget), never inside a UTF-8 sequence. */
export function headWithin(text: string, budget: number): string {
  if (budget <= 0) return '';
  const buf = Buffer.from(text);
  if (buf.length <= budget) return text;
  let end = budget;
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  const newline = buf.lastIndexOf(0x0a, end - 1);
  if (newline > budget / 2) end = newline;
  return buf.subarray(0, end).toString().trimEnd();
}

function sizeLabel(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // unreadable (permissions, raced deletion): treated as empty
  }
}
