// apply_patch: edits files with a patch in the Codex format, all or nothing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { FileUpdateChange } from '../protocol/items.ts';
import { applyPatchOperations, updateText } from './patch/apply.ts';
import type { AppliedChange } from './patch/apply.ts';
import { unifiedDiff } from './patch/diff.ts';
import { parsePatch } from './patch/parse.ts';
import type { PatchOperation } from './patch/parse.ts';
import type { Tool } from './types.ts';

const schema = z.preprocess(
  (value) => {
    // Be lenient: some models send the patch under `patch`.
    if (value !== null && typeof value === 'object' && !('input' in value) && 'patch' in value) {
      return { ...value, input: (value as { patch: unknown }).patch };
    }
    return value;
  },
  z.object({
    input: z
      .string()
      .describe('The whole patch, from "*** Begin Patch" to "*** End Patch" inclusive.'),
  }),
);

const DESCRIPTION = `Edits files with a patch. Use it to add, update, move and delete files; paths are relative to the workspace. The patch is applied all or nothing: if any part does not apply, no file changes.

Format:
*** Begin Patch
*** Add File: <path>          (every line of the new file starts with '+')
*** Delete File: <path>
*** Update File: <path>
*** Move to: <new path>       (optional, right after Update File, to rename)
@@ <a line near the change, e.g. a function or class signature>   (or a bare @@)
 <context line, starting with a space>
-<removed line>
+<added line>
*** End of File               (optional: the section is at the end of the file)
*** End Patch

Rules:
- Give about 3 lines of unchanged context above and below each change, copied exactly from the file; use '@@ <line>' when the context alone is not unique.
- Several @@ sections may follow one Update File; list them in file order.
- Each line of a section starts with ' ', '-' or '+'. Never use line numbers.

Example:
*** Begin Patch
*** Update File: src/greet.py
@@ def greet(name):
-    print("Hello " + name)
+    print(f"Hello, {name}!")
*** Add File: docs/notes.md
+# Notes
*** End Patch`;

function toWire(change: AppliedChange): FileUpdateChange {
  const kind =
    change.kind === 'update'
      ? { type: 'update' as const, move_path: change.absoluteMovePath }
      : { type: change.kind };
  return { path: change.absolutePath, kind, diff: change.diff };
}

function isPlainInside(cwd: string, relative: string): string | null {
  if (path.isAbsolute(relative)) return null;
  const abs = path.resolve(cwd, relative);
  const rel = path.relative(path.resolve(cwd), abs);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? null : abs;
}

/** A file's text on disk, or null. */
function diskText(abs: string): string | null {
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Best-effort diff shown before the patch runs (for approvals); never throws. `read` gives a
 * file's current text (null: none).
 */
function previewChange(
  op: PatchOperation,
  cwd: string,
  read: (abs: string) => string | null = diskText,
): FileUpdateChange {
  const abs = path.resolve(cwd, op.path);
  const shown = op.path;
  const inside = isPlainInside(cwd, op.path);
  const before = inside !== null ? read(inside) : null;
  if (op.type === 'add') {
    // Onto an existing file: the diff shows what it replaces.
    const content = op.lines.length === 0 ? '' : `${op.lines.join('\n')}\n`;
    const diff = unifiedDiff(before ?? '', content, {
      oldPath: before === null ? null : shown,
      newPath: shown,
    });
    return { path: abs, kind: { type: 'add' }, diff };
  }
  if (op.type === 'delete') {
    const diff = before === null ? '' : unifiedDiff(before, '', { oldPath: shown, newPath: null });
    return { path: abs, kind: { type: 'delete' }, diff };
  }
  const movePath = op.movePath === null ? null : path.resolve(cwd, op.movePath);
  let diff = '';
  try {
    if (before !== null) {
      const after = updateText(before, op.chunks, op.path);
      diff = unifiedDiff(before, after, { oldPath: shown, newPath: op.movePath ?? shown });
    }
  } catch {
    diff = '';
  }
  return { path: abs, kind: { type: 'update', move_path: movePath }, diff };
}

function summary(changes: readonly AppliedChange[]): string {
  const lines = changes.map((c) => {
    if (c.kind === 'add') return `A ${c.path}`;
    if (c.kind === 'delete') return `D ${c.path}`;
    return `M ${c.movePath ?? c.path}`;
  });
  return `Success. Updated the following files:\n${lines.join('\n')}\n`;
}

export const applyPatchTool: Tool<typeof schema> = {
  name: 'apply_patch',
  description: DESCRIPTION,
  schema,
  mutating: true,
  startItem(callId, args, ctx) {
    let changes: FileUpdateChange[] = [];
    try {
      changes = parsePatch(args.input).map((op) => previewChange(op, ctx.cwd));
    } catch {
      changes = [];
    }
    return { type: 'fileChange', id: callId, changes, status: 'inProgress' };
  },
  async execute(callId, args, ctx) {
    const ops = parsePatch(args.input);
    // The question shows the text the surface sees (an editor's unsaved buffer).
    const seen = new Map<string, string | null>();
    if (ctx.files)
      for (const op of ops) {
        const abs = isPlainInside(ctx.cwd, op.path);
        if (abs !== null && diskText(abs) !== null)
          seen.set(abs, await ctx.files.readText(abs).catch(() => null));
      }
    const read = (abs: string) => (seen.has(abs) ? seen.get(abs)! : diskText(abs));
    const preview = ops.map((op) => previewChange(op, ctx.cwd, read));
    const verdict = await ctx.authorize({ kind: 'fileChange', itemId: callId, changes: preview });
    if (!verdict.approved) {
      return {
        output: verdict.reason,
        item: { type: 'fileChange', id: callId, changes: preview, status: 'declined' },
      };
    }
    const applied = await applyPatchOperations(ops, ctx.cwd, ctx.signal, ctx.files);
    return {
      output: summary(applied),
      item: { type: 'fileChange', id: callId, changes: applied.map(toWire), status: 'completed' },
    };
  },
};
