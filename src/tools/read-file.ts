// read_file: a range of lines of a text file, numbered.
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as z from 'zod';
import { dynamicDone, dynamicStart } from './dynamic-item.ts';
import { hiddenMessage, ToolError, type Tool, type ToolContext } from './types.ts';

const MAX_LINE_CHARS = 2000;

const schema = z.object({
  path: z.string().min(1).describe('File path, relative to the workspace root or absolute.'),
  offset: z.number().int().min(1).optional().describe('First line to read (1-based). Default 1.'),
  limit: z.number().int().min(1).optional().describe('Number of lines to read. Default 400.'),
});

export const readFileTool: Tool<typeof schema> = {
  name: 'read_file',
  description:
    'Reads lines of a text file, each prefixed with its line number and a tab. Use offset and limit to page through large files; the result says when more lines follow.',
  schema,
  mutating: false,
  startItem: (callId, args) => dynamicStart('read_file', callId, args),
  async execute(callId, args, ctx) {
    const started = performance.now();
    const path = resolve(ctx.cwd, args.path);
    const offset = args.offset ?? 1;
    const limit = args.limit ?? 400;
    if (ctx.canRead && !ctx.canRead(path)) throw new ToolError(hiddenMessage(args.path));
    let content: string;
    try {
      const seen = await readSeen(ctx, path, args.path);
      if (seen !== null) content = seen;
      else {
        const handle = await open(path, 'r');
        try {
          const stat = await handle.stat();
          if (stat.isDirectory()) throw new ToolError(`${args.path} is a directory; use list_dir`);
          if (stat.size > 64 * 1024 * 1024) {
            throw new ToolError(
              `${args.path} is ${stat.size} bytes; read parts of it with shell (sed -n)`,
            );
          }
          const buf = await handle.readFile();
          if (buf.subarray(0, 8192).includes(0)) {
            throw new ToolError(`${args.path} looks binary (${stat.size} bytes); not shown`);
          }
          content = buf.toString('utf8');
        } finally {
          await handle.close();
        }
      }
    } catch (err) {
      if (err instanceof ToolError) throw err;
      throw new ToolError(
        `cannot read ${args.path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
    const lines = content.split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (offset > lines.length && lines.length > 0) {
      throw new ToolError(
        `${args.path} has ${lines.length} lines; offset ${offset} is past the end`,
      );
    }
    const slice = lines.slice(offset - 1, offset - 1 + limit);
    const width = String(offset + slice.length - 1).length;
    let text = slice
      .map((line, i) => {
        const shown =
          line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… [line cut]` : line;
        return `${String(offset + i).padStart(width)}\t${shown}`;
      })
      .join('\n');
    const after = lines.length - (offset - 1 + slice.length);
    if (after > 0) text += `\n[${after} more lines; continue with offset ${offset + slice.length}]`;
    if (lines.length === 0) text = '[empty file]';
    const item = dynamicDone(
      dynamicStart('read_file', callId, args),
      text,
      Math.round(performance.now() - started),
    );
    return { output: text, item };
  },
};

/**
 * The text the surface sees (an editor's unsaved buffer) of a text file that exists on disk;
 * null when there is no surface or the file is not plain text there (the disk read says why).
 */
async function readSeen(ctx: ToolContext, path: string, shown: string): Promise<string | null> {
  if (!ctx.files) return null;
  const size = await stat(path).then(
    (s) => (s.isFile() ? s.size : null),
    () => null,
  );
  if (size === null || size > 64 * 1024 * 1024) return null;
  const head = await readHead(path);
  if (head.includes(0)) return null;
  const text = await ctx.files.readText(path).catch((err: unknown) => {
    throw new ToolError(`cannot read ${shown} through ${ctx.files!.name}: ${String(err)}`);
  });
  return text;
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8192), 0, 8192, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
