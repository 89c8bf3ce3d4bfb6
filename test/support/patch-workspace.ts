// Temporary workspaces and a stub ToolContext for the apply_patch tests.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyPatchTool } from '../../src/tools/apply-patch.ts';
import { ToolError } from '../../src/tools/types.ts';
import { approveAll, type ToolContext, type ToolResult } from '../../src/tools/types.ts';
import type { FileChangeItem } from '../../src/protocol/items.ts';

export type Workspaces = {
  /** A fresh workspace `ws` with a sibling `outside` folder, seeded with files. */
  workspace: (files?: Record<string, string>) => Promise<{ ws: string; outside: string }>;
  cleanup: () => Promise<void>;
};

/** Workspaces under one temp folder (fs.mkdtemp under os.tmpdir()), removed by cleanup(). */
export async function tempWorkspaces(): Promise<Workspaces> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'yoke-apply-patch-'));
  let counter = 0;
  return {
    async workspace(files = {}) {
      const root = path.join(base, `case-${++counter}`);
      const ws = path.join(root, 'ws');
      const outside = path.join(root, 'outside');
      await fs.mkdir(ws, { recursive: true });
      await fs.mkdir(outside, { recursive: true });
      for (const [name, content] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(ws, name)), { recursive: true });
        await fs.writeFile(path.join(ws, name), content);
      }
      return { ws, outside };
    },
    cleanup: () => fs.rm(base, { recursive: true, force: true }),
  };
}

export function context(cwd: string): ToolContext {
  return {
    cwd,
    signal: new AbortController().signal,
    authorize: approveAll,
    runner: {
      name: 'stub',
      run: () => Promise.reject(new Error('apply_patch must not run processes')),
    },
    progress: () => undefined,
    commandTimeoutMs: 1000,
    outputBudgetBytes: 10_000,
  };
}

export function run(cwd: string, patch: string): Promise<ToolResult> {
  const args = applyPatchTool.schema.parse({ input: patch });
  return applyPatchTool.execute('call_1', args, context(cwd));
}

export async function runFails(cwd: string, patch: string, pattern: RegExp): Promise<string> {
  const error = await run(cwd, patch).then(
    () => assert.fail('the patch should have failed'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  assert.match(error.message, pattern);
  return error.message;
}

/** Every entry under `dir` (files with content, links with target, dirs), for before/after. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      const key = path.relative(dir, full);
      if (entry.isSymbolicLink()) out[key] = `link:${await fs.readlink(full)}`;
      else if (entry.isDirectory()) {
        out[key] = 'dir';
        await walk(full);
      } else out[key] = await fs.readFile(full, 'utf8');
    }
  };
  await walk(dir);
  return out;
}

export const read = (ws: string, name: string): Promise<string> =>
  fs.readFile(path.join(ws, name), 'utf8');
export const exists = (ws: string, name: string): Promise<boolean> =>
  fs.lstat(path.join(ws, name)).then(
    () => true,
    () => false,
  );
export const changesOf = (result: ToolResult): FileChangeItem['changes'] => {
  assert.equal(result.item.type, 'fileChange');
  return (result.item as FileChangeItem).changes;
};
