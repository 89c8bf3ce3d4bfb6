// grep: search file contents with ripgrep (grep -rn when rg is not installed).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as z from 'zod';
import { truncateHeadTail } from '../context/truncate.ts';
import { dynamicDone, dynamicStart } from './dynamic-item.ts';
import { ToolError, type Tool } from './types.ts';

const schema = z.object({
  pattern: z.string().min(1).describe('Regular expression (Rust regex syntax).'),
  path: z.string().optional().describe('File or directory to search. Default: the workspace root.'),
  glob: z.string().optional().describe('Only files matching this glob, e.g. "*.ts".'),
  case_insensitive: z.boolean().optional(),
  max_results: z.number().int().min(1).optional().describe('Maximum matching lines. Default 200.'),
});

let ripgrep: boolean | undefined;
function hasRipgrep(): boolean {
  if (ripgrep === undefined) {
    ripgrep = (process.env.PATH ?? '').split(delimiter).some((dir) => {
      try {
        accessSync(join(dir, 'rg'), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  }
  return ripgrep;
}

export const grepTool: Tool<typeof schema> = {
  name: 'grep',
  description:
    'Searches file contents for a regular expression and returns matching lines as path:line:text. Respects .gitignore. Faster and cheaper than running grep through shell.',
  schema,
  mutating: false,
  startItem: (callId, args) => dynamicStart('grep', callId, args),
  async execute(callId, args, ctx) {
    const max = args.max_results ?? 200;
    const target = args.path ?? '.';
    const argv = hasRipgrep()
      ? [
          'rg',
          '--line-number',
          '--no-heading',
          '--color=never',
          '--max-columns=400',
          ...(args.case_insensitive ? ['-i'] : []),
          ...(args.glob ? ['--glob', args.glob] : []),
          '-e',
          args.pattern,
          '--',
          target,
        ]
      : [
          'grep',
          '-rnE',
          '--exclude-dir=.git',
          '--exclude-dir=node_modules',
          ...(args.case_insensitive ? ['-i'] : []),
          ...(args.glob ? [`--include=${args.glob}`] : []),
          '-e',
          args.pattern,
          '--',
          target,
        ];
    const outcome = await ctx.runner.run(
      { argv, cwd: ctx.cwd, timeoutMs: ctx.commandTimeoutMs },
      { signal: ctx.signal },
    );
    if (outcome.spawnError) throw new ToolError(`grep could not run: ${outcome.spawnError}`);
    if (outcome.exitCode === 2) throw new ToolError(`grep failed: ${outcome.output.trim()}`);
    const lines = outcome.output.split('\n').filter(Boolean);
    let text = lines.slice(0, max).join('\n') || 'No matches.';
    if (lines.length > max)
      text += `\n[${lines.length - max} more matches; narrow the pattern or path]`;
    text = truncateHeadTail(text, ctx.outputBudgetBytes).text;
    const item = dynamicDone(dynamicStart('grep', callId, args), text, outcome.durationMs);
    return { output: text, item };
  },
};
