// `yoke tools …`: the catalogue of every tool the configuration offers (built-in and from
// every MCP server), for curating toolsets, and one MCP tool call by hand.
import { loadConfig } from '../../runtime/config.ts';
import { callToolByHand, toolCatalogue } from '../../runtime/tool-catalogue.ts';
import { command, COMMON_OPTIONS, helpText, parseCommand, UsageError } from './args.ts';

const LIST = command({
  name: 'tools list',
  usage: ['yoke tools list [--toolset NAME] [--json]'],
  description:
    'Starts every configured MCP server and prints every tool: name (as the model sees it),\n' +
    'server (- for built-in), ro (a safe read) or rw, and the first line of its description.\n' +
    'Servers that did not start are listed on stderr with the reason.',
  options: {
    toolset: { type: 'string', value: 'NAME', help: 'only the tools of [toolsets.NAME]' },
    json: { type: 'boolean', help: 'one JSON object per tool' },
    config: COMMON_OPTIONS.config,
  },
});

const CALL = command({
  name: 'tools call',
  usage: ["yoke tools call mcp__SERVER__TOOL ['{json arguments}']"],
  description:
    'Starts the server, calls the tool with the arguments (a JSON object; default {}) and\n' +
    'prints its result as JSON. Exit status 1 when the tool reports an error.',
  options: { config: COMMON_OPTIONS.config },
});

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

export async function toolsCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return list(rest, io);
  if (sub === 'call') return call(rest, io);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout.write(`${helpText(LIST)}\n${helpText(CALL)}`);
    return 0;
  }
  throw new UsageError(`unknown command "tools ${sub}" (tools list, tools call)`);
}

async function list(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseCommand(LIST, argv);
  if (help) return (io.stdout.write(helpText(LIST)), 0);
  if (positionals.length) throw new UsageError('yoke tools list takes no arguments');
  const config = loadConfig({ overrides: values.config ?? [] });
  const { rows, problems } = await toolCatalogue(config, { toolset: values.toolset ?? null });
  for (const p of problems)
    io.stderr.write(`yoke: MCP server ${p.server}: ${p.state}${p.error ? ` — ${p.error}` : ''}\n`);
  if (values.json) {
    for (const row of rows) io.stdout.write(`${JSON.stringify(row)}\n`);
    return 0;
  }
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  const serverWidth = Math.max(6, ...rows.map((r) => (r.server ?? '-').length));
  for (const row of rows) {
    const line = row.description.split('\n')[0]!.trim();
    io.stdout.write(
      `${row.name.padEnd(width)}  ${(row.server ?? '-').padEnd(serverWidth)}  ${row.readOnly ? 'ro' : 'rw'}  ${line.length > 100 ? `${line.slice(0, 99)}…` : line}\n`,
    );
  }
  return 0;
}

async function call(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseCommand(CALL, argv);
  if (help) return (io.stdout.write(helpText(CALL)), 0);
  const [name, json, ...extra] = positionals;
  if (!name || extra.length) throw new UsageError(`usage: ${CALL.usage[0]}`);
  let args: unknown = {};
  if (json !== undefined) {
    try {
      args = JSON.parse(json);
    } catch (err) {
      throw new UsageError(`the arguments are not JSON: ${(err as Error).message}`);
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      throw new UsageError('the arguments must be a JSON object');
  }
  const config = loadConfig({ overrides: values.config ?? [] });
  const result = await callToolByHand(config, name, args);
  io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.isError ? 1 : 0;
}
