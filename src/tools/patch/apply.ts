// Applies parsed patch operations to the workspace: every new content is computed in memory
// first, then written; a failed write restores what was already written (all or nothing).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ToolError, type FileAccess } from '../types.ts';
import { unifiedDiff } from './diff.ts';
import type { PatchChunk, PatchOperation } from './parse.ts';
import { applyReplacements, computeReplacements } from './seek.ts';

export { unifiedDiff } from './diff.ts';

/** What one operation did, in patch order. */
export type AppliedChange = {
  kind: 'add' | 'delete' | 'update';
  /** Path as written in the patch (workspace-relative). */
  path: string;
  /** Target of a `*** Move to:`, workspace-relative. */
  movePath: string | null;
  /** Absolute paths. */
  absolutePath: string;
  absoluteMovePath: string | null;
  /** Unified diff of the change. */
  diff: string;
};

/** One line of a text file and the ending it had: '\n', '\r\n', '\r' or '' (the last line). */
type TextLine = { text: string; ending: string };

/** A text file split into lines, with what is needed to write it back the same way. */
type TextShape = { lines: TextLine[]; bom: boolean };

/** Splits at CRLF, LF or a lone CR; each line keeps its own ending. */
function splitText(text: string): TextShape {
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  const lines: TextLine[] = [];
  const ending = /\r\n|\n|\r/g;
  let from = 0;
  for (let m = ending.exec(body); m !== null; m = ending.exec(body)) {
    lines.push({ text: body.slice(from, m.index), ending: m[0] });
    from = m.index + m[0].length;
  }
  if (from < body.length) lines.push({ text: body.slice(from), ending: '' });
  return { lines, bom };
}

function joinText(shape: TextShape): string {
  const text = shape.lines.map((l) => l.text + l.ending).join('');
  return shape.bom ? `\uFEFF${text}` : text;
}

/**
 * Applies an update's chunks to a file's text the way Codex does: lines the patch keeps (outside
 * its sections, or as context) keep their own ending; added lines take the ending of the file's
 * first line (LF when it has none); the result always ends with a line ending. A BOM is kept.
 * Throws ToolError when a chunk's context cannot be found.
 */
export function updateText(
  before: string,
  chunks: readonly PatchChunk[],
  shownPath: string,
): string {
  const shape = splitText(before);
  const texts = shape.lines.map((l) => l.text);
  const preferred = shape.lines[0]?.ending || '\n';
  const replacements = computeReplacements(texts, chunks, shownPath);
  const lines = applyReplacements(shape.lines, replacements, (text) => ({
    text,
    ending: preferred,
  }));
  // Codex's final-newline rule: an unterminated line (the old last one) gets the ending too.
  for (const line of lines) if (line.ending === '') line.ending = preferred;
  return joinText({ lines, bom: shape.bom });
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * Resolves a workspace-relative path and checks it stays in the workspace, also through
 * symlinks of the file itself or of its existing parent directories.
 */
export async function resolveWorkspacePath(cwd: string, relative: string): Promise<string> {
  const escape = (why: string): ToolError =>
    new ToolError(`apply_patch failed: path escapes the workspace: ${relative}${why}`);
  if (relative.includes('\0')) throw new ToolError(`apply_patch failed: invalid path: ${relative}`);
  if (path.isAbsolute(relative) || /^[a-zA-Z]:[\\/]/.test(relative)) {
    throw new ToolError(
      `apply_patch failed: absolute paths are not allowed: ${relative} (use a path relative to the workspace)`,
    );
  }
  const root = path.resolve(cwd);
  const target = path.resolve(root, relative);
  if (!isInside(root, target)) throw escape('');
  const realRoot = await fs.realpath(root);
  // The deepest existing ancestor (or the file itself) must really be inside the workspace.
  let probe = target;
  for (;;) {
    let real: string | null = null;
    try {
      real = await fs.realpath(probe);
    } catch (error) {
      if (code(error) !== 'ENOENT' && code(error) !== 'ENOTDIR') throw error;
      const isLink = await fs
        .lstat(probe)
        .then((s) => s.isSymbolicLink())
        .catch(() => false);
      if (isLink) throw escape(' (a symbolic link that points nowhere or outside)');
    }
    if (real !== null) {
      if (real !== realRoot && !isInside(realRoot, real)) {
        throw escape(' (through a symbolic link to outside the workspace)');
      }
      if (probe === target && real === realRoot) throw escape(' (it is the workspace itself)');
      return target;
    }
    const parent = path.dirname(probe);
    if (parent === probe) return target;
    probe = parent;
  }
}

/** Reads the current state: the planned content when the patch already touched it. */
type Planned = {
  original: Buffer | null;
  next: string | null;
  mode: number | null;
  /** The original bytes are not valid UTF-8: the file may be deleted but not edited. */
  binary: boolean;
};

async function readState(
  plan: Map<string, Planned>,
  abs: string,
  shown: string,
  files: FileAccess | undefined,
): Promise<Planned> {
  const known = plan.get(abs);
  if (known) return known;
  try {
    const stat = await fs.stat(abs);
    if (stat.isDirectory()) throw new ToolError(`apply_patch failed: ${shown} is a directory`);
    let original = await fs.readFile(abs);
    let next = original.toString('utf8');
    const binary = !Buffer.from(next, 'utf8').equals(original);
    // A text file is read where the surface sees it (an editor's unsaved buffer).
    const seen = files && !binary ? await files.readText(abs) : null;
    if (seen !== null) [original, next] = [Buffer.from(seen, 'utf8'), seen];
    const entry = { original, next, mode: stat.mode & 0o777, binary };
    plan.set(abs, entry);
    return entry;
  } catch (error) {
    if (error instanceof ToolError) throw error;
    if (code(error) !== 'ENOENT' && code(error) !== 'ENOTDIR') throw error;
    const entry = { original: null, next: null, mode: null, binary: false };
    plan.set(abs, entry);
    return entry;
  }
}

const displayPath = (p: string): string => p.split(path.sep).join('/');

/** Resolves every operation in memory, in order. Nothing is written. */
async function planPatch(
  ops: readonly PatchOperation[],
  cwd: string,
  files: FileAccess | undefined,
): Promise<{ plan: Map<string, Planned>; changes: AppliedChange[] }> {
  const plan = new Map<string, Planned>();
  const changes: AppliedChange[] = [];
  for (const op of ops) {
    const abs = await resolveWorkspacePath(cwd, op.path);
    const shown = displayPath(path.relative(path.resolve(cwd), abs));
    const state = await readState(plan, abs, shown, files);
    if (op.type === 'add') {
      // Onto an existing file it replaces the content, as Codex does.
      const before = state.next;
      const content = op.lines.length === 0 ? '' : `${op.lines.join('\n')}\n`;
      state.next = content;
      const diff =
        before === null
          ? unifiedDiff('', content, { oldPath: null, newPath: shown })
          : unifiedDiff(before, content, { oldPath: shown, newPath: shown });
      changes.push({
        kind: 'add',
        path: op.path,
        movePath: null,
        absolutePath: abs,
        absoluteMovePath: null,
        diff,
      });
      continue;
    }
    if (state.next === null) {
      throw new ToolError(
        `apply_patch failed: cannot ${op.type} ${op.path}: the file does not exist` +
          (op.type === 'update' ? " (use '*** Add File:' to create it)" : ''),
      );
    }
    const before = state.next;
    if (op.type === 'delete') {
      state.next = null;
      const diff = unifiedDiff(before, '', { oldPath: shown, newPath: null });
      changes.push({
        kind: 'delete',
        path: op.path,
        movePath: null,
        absolutePath: abs,
        absoluteMovePath: null,
        diff,
      });
      continue;
    }
    if (state.binary) {
      throw new ToolError(
        `apply_patch failed: cannot update ${op.path}: it is not a UTF-8 text file`,
      );
    }
    const after = updateText(before, op.chunks, op.path);
    let target = abs;
    let targetShown = shown;
    if (op.movePath !== null) {
      target = await resolveWorkspacePath(cwd, op.movePath);
      targetShown = displayPath(path.relative(path.resolve(cwd), target));
    }
    if (target !== abs) {
      // Onto an existing file it replaces it, as Codex does.
      const dest = await readState(plan, target, targetShown, files);
      dest.next = after;
      dest.mode ??= state.mode;
      state.next = null;
    } else {
      state.next = after;
    }
    changes.push({
      kind: 'update',
      path: op.path,
      movePath: target !== abs ? op.movePath : null,
      absolutePath: abs,
      absoluteMovePath: target !== abs ? target : null,
      diff: unifiedDiff(before, after, { oldPath: shown, newPath: targetShown }),
    });
  }
  return { plan, changes };
}

/** Writes the plan; on any failure restores every file already written and removes new dirs. */
async function commitPlan(
  plan: Map<string, Planned>,
  cwd: string,
  files: FileAccess | undefined,
): Promise<void> {
  const write = (abs: string, content: string | Buffer, mode: number | null) =>
    files && typeof content === 'string'
      ? files.writeText(abs, content)
      : fs.writeFile(abs, content, mode !== null ? { mode } : {});
  const done: [string, Planned][] = [];
  const createdDirs: string[] = [];
  try {
    for (const [abs, entry] of plan) {
      const same = entry.original !== null && entry.next !== null && !entry.binary;
      if (same && entry.original!.equals(Buffer.from(entry.next!, 'utf8'))) continue;
      if (entry.original === null && entry.next === null) continue;
      done.push([abs, entry]);
      if (entry.next === null) {
        await fs.unlink(abs);
        continue;
      }
      if (entry.original === null) {
        const first = await fs.mkdir(path.dirname(abs), { recursive: true });
        if (first !== undefined) createdDirs.push(first);
      }
      await write(abs, entry.next, entry.mode);
    }
  } catch (error) {
    const failed = done[done.length - 1]?.[0] ?? cwd;
    for (const [abs, entry] of [...done].reverse()) {
      try {
        if (entry.original === null) await fs.rm(abs, { force: true });
        else {
          const text = files && !entry.binary ? entry.original.toString('utf8') : null;
          await write(abs, text ?? entry.original, entry.mode);
        }
      } catch {
        // Best effort: keep restoring the others.
      }
    }
    for (const dir of createdDirs.reverse()) {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
    const reason = error instanceof Error ? error.message : String(error);
    const where = displayPath(path.relative(path.resolve(cwd), failed));
    throw new ToolError(
      `apply_patch failed: could not write ${where}: ${reason}; no files were changed`,
    );
  }
}

/**
 * Applies operations to the workspace `cwd`, all or nothing. Throws ToolError (nothing on disk
 * changed) when an operation cannot be resolved, a write fails, or `signal` is aborted first.
 * With `files`, text is read and written through it (an editor's buffers); deletions, new
 * directories and binary files stay on disk.
 */
export async function applyPatchOperations(
  ops: readonly PatchOperation[],
  cwd: string,
  signal?: AbortSignal,
  files?: FileAccess,
): Promise<AppliedChange[]> {
  const { plan, changes } = await planPatch(ops, cwd, files);
  if (signal?.aborted) {
    throw new ToolError('apply_patch was interrupted before writing; no files were changed');
  }
  await commitPlan(plan, cwd, files);
  return changes;
}
