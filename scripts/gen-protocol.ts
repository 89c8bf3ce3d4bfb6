// Renders docs/protocol.md from the method table (through its JSON Schema), and
// docs/codex-compatibility.md (scripts/codex-compat.ts), formatted with the
// repo's prettier settings so `prettier --check` agrees. `--check` writes nothing and exits 1 when
// the checked-in file is stale (npm run check calls it).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { RpcErrorCode } from '../src/protocol/jsonrpc.ts';
import {
  buildProtocolSchemas,
  type JsonSchema,
  type MethodSchema,
} from '../src/protocol/json-schema.ts';
import type { Direction } from '../src/protocol/method-def.ts';
import { COMPAT_OUT, renderCodexCompat } from './codex-compat.ts';

const OUT = fileURLToPath(new URL('../docs/protocol.md', import.meta.url));

const SECTIONS: [Direction, string][] = [
  ['clientRequest', 'Client → server requests'],
  ['clientNotification', 'Client → server notifications'],
  ['serverRequest', 'Server → client requests'],
  ['serverNotification', 'Server → client notifications'],
];

const asSchema = (v: unknown): JsonSchema => (v && typeof v === 'object' ? (v as JsonSchema) : {});
const code = (s: string) => `\`${s}\``;
const anchor = (name: string) => name.toLowerCase().replace(/[^a-z0-9-]/g, '');

/** A one-line type: `string` | `null`, [`Thread`](#thread)[], `"accept"` | … */
function typeOf(schema: JsonSchema): string {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/definitions/', '');
    return `[${code(name)}](#${anchor(name)})`;
  }
  if ('const' in schema) return code(JSON.stringify(schema.const));
  if (Array.isArray(schema.enum))
    return schema.enum.map((v) => code(JSON.stringify(v))).join(' | ');
  const union = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return union.map((s) => typeOf(asSchema(s))).join(' | ');
  if (Array.isArray(schema.type)) {
    return schema.type.map((t) => typeOf({ ...schema, type: t })).join(' | ');
  }
  switch (schema.type) {
    case 'array': {
      const item = typeOf(asSchema(schema.items));
      return item.includes(' | ') ? `(${item})[]` : `${item}[]`;
    }
    case 'object':
      return schema.properties ? code('object') : code(`map of ${plain(schema)}`);
    case undefined:
      return code('any');
    default:
      return code(String(schema.type));
  }
}

/** The value type of a map, without markdown (it sits inside a code span). */
const plain = (schema: JsonSchema): string =>
  typeOf(asSchema(schema.additionalProperties)).replace(/[`[\]]|\(#[^)]*\)/g, '');

/** The object schema inside `X | null`, when there is exactly one. */
function objectIn(schema: JsonSchema): JsonSchema | null {
  if (schema.type === 'object' && schema.properties) return schema;
  const union = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (!Array.isArray(union)) return null;
  const objects = union.map(asSchema).filter((s) => s.type === 'object' && s.properties);
  return objects.length === 1 ? objects[0]! : null;
}

function fieldList(schema: JsonSchema, indent: string, depth: number, skip?: string): string[] {
  const props = asSchema(schema.properties);
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const lines: string[] = [];
  for (const [name, raw] of Object.entries(props)) {
    if (name === skip) continue;
    const prop = asSchema(raw);
    const opt = required.has(name) ? '' : ' _(optional)_';
    lines.push(`${indent}- ${code(name)}: ${typeOf(prop)}${opt}`);
    const nested = objectIn(prop) ?? objectIn(asSchema(prop.items));
    if (nested && depth < 3) lines.push(...fieldList(nested, `${indent}  `, depth + 1));
  }
  return lines;
}

/** Fields of an object, the variants of a union, or the type itself. */
function describe(schema: JsonSchema): string[] {
  if (schema.type === 'object' && schema.properties) {
    const lines = fieldList(schema, '', 0);
    return lines.length ? lines : ['_(empty object)_'];
  }
  if (schema.type === 'object') return ['_(empty object)_'];
  const union = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(union) && union.some((s) => asSchema(s).properties)) {
    const lines = ['One of:', ''];
    for (const variant of union.map(asSchema)) {
      if (!variant.properties) lines.push(`- ${typeOf(variant)}`);
      else {
        const tag = asSchema(asSchema(variant.properties).type).const;
        lines.push(
          `- ${tag === undefined ? code('object') : `${code('type')}: ${code(JSON.stringify(tag))}`}`,
        );
        lines.push(...fieldList(variant, '  ', 1, tag === undefined ? undefined : 'type'));
      }
    }
    return lines;
  }
  return [typeOf(schema)];
}

function renderMethod(m: MethodSchema): string[] {
  const lines = [`### ${code(m.method)}`, '', `_${m.stability}_ — ${m.doc}`, ''];
  const paramsNote = m.paramsOptional ? ' (may be omitted)' : '';
  lines.push(`**Params** (${code(m.paramsName)})${paramsNote}:`, '', ...describe(m.params), '');
  if (m.result && m.resultName) {
    lines.push(`**Result** (${code(m.resultName)}):`, '', ...describe(m.result), '');
  }
  return lines;
}

export function renderProtocolDoc(): string {
  const { methods, definitions } = buildProtocolSchemas();
  const out = [
    '# Yoke App Server protocol',
    '',
    '<!-- Generated by scripts/gen-protocol.ts from src/protocol/methods.ts: do not edit; run `npm run gen`. -->',
    '',
    'The wire format is the Codex App Server protocol, v2: JSON-RPC 2.0 without the `"jsonrpc"`',
    'field, one message per line on stdio and one per text frame on WebSocket. Requests are',
    '`{id, method, params}`, answers `{id, result}` or `{id, error: {code, message, data?}}`,',
    'notifications `{method, params}`. Server notifications also carry a top-level `emittedAtMs`',
    '(milliseconds) beside `params`. The server sends its own requests with its own id counter,',
    'starting at 0. `initialize` must come first, exactly once; then the client sends',
    '`initialized`. `capabilities.optOutNotificationMethods` names notifications the connection',
    'never receives.',
    '',
    'Conventions: `resource/verb` methods, camelCase fields, string ids, cursor pagination',
    '(`cursor` in, `nextCursor` out, null at the end), unions tagged by `type`. Params objects',
    'accept (and ignore) fields they do not list.',
    '',
    'Commands: a `commandExecution` item’s `command`, and a command approval’s, is the argv that',
    "runs as one shell-quoted line, as Codex sends it: a script runs as `bash -c 'touch f && ls'`",
    '(`commandActions` hold the script’s own commands). Clients show the script: Yoke’s surfaces',
    'take the `sh`/`bash`/`zsh` `-c`/`-lc` wrapper off with `displayedCommand`',
    '(src/protocol/command-line.ts), as the Codex TUI does.',
    '',
    '## Errors',
    '',
    '| code | meaning |',
    '| --- | --- |',
    `| ${RpcErrorCode.parseError} | parse error: not JSON (answered with id null; the connection keeps working) |`,
    `| ${RpcErrorCode.invalidRequest} | invalid request: bad message shape, binary frame, request before \`initialize\` or a second \`initialize\`; runtime refusals (unknown thread, busy thread, …) with \`data.code\` naming them |`,
    `| ${RpcErrorCode.methodNotFound} | method not found, or not implemented by this server |`,
    `| ${RpcErrorCode.invalidParams} | invalid params: the message names the field path; also input the runtime rejects (\`data.code: "input_invalid"\`) and a list cursor no earlier page gave (\`"bad_cursor"\`) |`,
    `| ${RpcErrorCode.internalError} | internal error |`,
    `| ${RpcErrorCode.overloaded} | overloaded: too many requests in flight (retry later), or the client stopped reading (the connection is then closed) |`,
    '',
  ];
  for (const [direction, title] of SECTIONS) {
    const list = methods.filter((m) => m.direction === direction);
    if (list.length === 0) continue;
    out.push(`## ${title}`, '');
    for (const m of list) out.push(...renderMethod(m));
  }
  out.push('## Types', '');
  for (const [name, schema] of Object.entries(definitions)) {
    out.push(`### ${name}`, '', ...describe(schema), '');
  }
  return out.join('\n');
}

/** Writes `out`, or with --check only compares: stale is an error naming `npm run gen`. */
async function generate(out: string, name: string, render: () => string): Promise<boolean> {
  const options = (await prettier.resolveConfig(out)) ?? {};
  const text = await prettier.format(render(), { ...options, parser: 'markdown' });
  if (process.argv.includes('--check')) {
    const current = await readFile(out, 'utf8').catch(() => '');
    if (current === text) return true;
    console.error(`${name} is stale: run \`npm run gen\` and commit the result`);
    return false;
  }
  await writeFile(out, text);
  console.log(`wrote ${name}`);
  return true;
}

const fresh = [
  await generate(OUT, 'docs/protocol.md', renderProtocolDoc),
  await generate(COMPAT_OUT, 'docs/codex-compatibility.md', renderCodexCompat),
];
if (fresh.includes(false)) process.exit(1);
