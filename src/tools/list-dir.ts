// list_dir: the entries of a directory, a few levels deep.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { dynamicDone, dynamicStart } from './dynamic-item.ts';
import { hiddenMessage, ToolError, type Tool } from './types.ts';

const SKIP = new Set(['.git', 'node_modules', '.yoke']);

const schema = z.object({
  path: z.string().optional().describe('Directory, relative to the workspace root. Default ".".'),
  depth: z.number().int().min(1).max(6).optional().describe('Levels to descend. Default 2.'),
  limit: z.number().int().min(1).optional().describe('Maximum entries. Default 500.'),
});

export const listDirTool: Tool<typeof schema> = {
  name: 'list_dir',
  description:
    'Lists a directory tree (directories end with "/"), skipping .git and node_modules. Use it to get oriented before reading files.',
  schema,
  mutating: false,
  startItem: (callId, args) => dynamicStart('list_dir', callId, args),
  async execute(callId, args, ctx) {
    const started = performance.now();
    const root = resolve(ctx.cwd, args.path ?? '.');
    const limit = args.limit ?? 500;
    const out: string[] = [];
    let truncated = false;
    if (ctx.canRead && !ctx.canRead(root)) throw new ToolError(hiddenMessage(args.path ?? '.'));
    const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (rel === '')
          throw new ToolError(
            `cannot list ${args.path ?? '.'}: ${(err as NodeJS.ErrnoException).code ?? err}`,
          );
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (out.length >= limit) {
          truncated = true;
          return;
        }
        const name = rel + entry.name;
        if (entry.isDirectory()) {
          out.push(`${name}/`);
          const child = join(dir, entry.name);
          // A hidden directory is listed, as the sandbox shows it: empty.
          if (depth > 1 && !SKIP.has(entry.name) && (ctx.canRead?.(child) ?? true))
            await walk(child, `${name}/`, depth - 1);
        } else {
          out.push(entry.isSymbolicLink() ? `${name}@` : name);
        }
      }
    };
    await walk(root, '', args.depth ?? 2);
    let text = out.length ? out.join('\n') : '[empty directory]';
    if (truncated) text += `\n[stopped at ${limit} entries; list a subdirectory or raise limit]`;
    const item = dynamicDone(
      dynamicStart('list_dir', callId, args),
      text,
      Math.round(performance.now() - started),
    );
    return { output: text, item };
  },
};
