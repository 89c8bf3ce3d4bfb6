// JSON Schema (draft-07, like Codex's) generated from the method table: one file per method's
// params and result, and one bundle with every type plus the ClientRequest / ServerRequest /
// ServerNotification / ClientNotification unions. `yoke app-server generate-json-schema` writes
// it; scripts/gen-protocol.ts renders docs/protocol.md from the same data.
//
// Node-only at the bottom (generateJsonSchema writes files); the client never imports this file.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import {
  AgentMessageItem,
  CommandAction,
  CommandExecutionItem,
  ContextCompactionItem,
  DynamicToolCallItem,
  FileChangeItem,
  FileUpdateChange,
  PlanItem,
  ReasoningItem,
  ThreadItem,
  UserInput,
  UserMessageItem,
} from './items.ts';
import type { Direction, Stability } from './method-def.ts';
import {
  CommandExecutionApprovalDecision,
  FileChangeApprovalDecision,
  NetworkPolicyAmendment,
  RequestId,
} from './methods-approval.ts';
import {
  Task,
  TaskCheckResult,
  TaskLogEntry,
  TaskNodeRun,
  TaskNodeType,
  TaskResult,
  TaskStatus,
} from './methods-task.ts';
import { ThreadSourceKind } from './methods-thread.ts';
import { ClientInfo, InitializeCapabilities, methods, Model } from './methods.ts';
import {
  AskForApproval,
  ReasoningEffort,
  SandboxMode,
  SandboxPolicy,
  Thread,
  ThreadStatus,
  ThreadTokenUsage,
  TokenUsageBreakdown,
  Turn,
  TurnError,
  TurnPlanStep,
  TurnStatus,
} from './thread.ts';

export type JsonSchema = { [key: string]: unknown };

/** Shared types: emitted once under `definitions` and referenced by name everywhere else. */
const NAMED_TYPES: Record<string, z.ZodType> = {
  ClientInfo,
  InitializeCapabilities,
  Model,
  Thread,
  ThreadStatus,
  ThreadSourceKind,
  Turn,
  TurnStatus,
  TurnError,
  TurnPlanStep,
  ThreadTokenUsage,
  TokenUsageBreakdown,
  AskForApproval,
  SandboxMode,
  SandboxPolicy,
  ReasoningEffort,
  UserInput,
  ThreadItem,
  UserMessageItem,
  AgentMessageItem,
  ReasoningItem,
  CommandExecutionItem,
  FileChangeItem,
  FileUpdateChange,
  PlanItem,
  DynamicToolCallItem,
  ContextCompactionItem,
  CommandAction,
  CommandExecutionApprovalDecision,
  FileChangeApprovalDecision,
  NetworkPolicyAmendment,
  RequestId,
  Task,
  TaskStatus,
  TaskNodeType,
  TaskNodeRun,
  TaskCheckResult,
  TaskResult,
  TaskLogEntry,
};

const registry = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries(NAMED_TYPES)) registry.add(schema, { id });

export type MethodSchema = {
  method: string;
  direction: Direction;
  stability: Stability;
  doc: string;
  paramsName: string;
  params: JsonSchema;
  /** Whether `params` may be left out of the message. */
  paramsOptional: boolean;
  resultName: string | null;
  result: JsonSchema | null;
};

export type ProtocolSchemas = {
  methods: MethodSchema[];
  /** Every named type, keyed by name. */
  definitions: Record<string, JsonSchema>;
};

/** `thread/name/set` → `ThreadNameSet`. */
export const typeBaseName = (method: string): string =>
  method
    .split('/')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

function convert(schema: z.ZodType, definitions: Record<string, JsonSchema>): JsonSchema {
  // io "input": objects stay open (no additionalProperties: false), as Codex's schemas are.
  const out = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    metadata: registry,
    unrepresentable: 'any',
  }) as JsonSchema;
  const { $schema: _s, definitions: defs, ...rest } = out;
  Object.assign(definitions, defs ?? {});
  return rest;
}

export function buildProtocolSchemas(): ProtocolSchemas {
  const definitions: Record<string, JsonSchema> = {};
  // Named types first, so the bundle lists them even where no method uses them directly.
  for (const schema of Object.values(NAMED_TYPES)) convert(schema, definitions);
  const list: MethodSchema[] = [];
  for (const [method, spec] of Object.entries(methods)) {
    const base = typeBaseName(method);
    const result = spec.result as z.ZodType | undefined;
    list.push({
      method,
      direction: spec.direction,
      stability: spec.stability,
      doc: spec.doc,
      paramsName: `${base}Params`,
      params: convert(spec.params, definitions),
      // The server reads absent params as {}; it always sends params itself.
      paramsOptional: spec.direction.startsWith('client') && spec.params.safeParse({}).success,
      resultName: result ? `${base}Result` : null,
      result: result ? convert(result, definitions) : null,
    });
  }
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => cmp(a, b)));
  return { methods: list, definitions: sorted };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ref = (name: string) => ({ $ref: `#/definitions/${name}` });

/** The envelope union of one direction, like Codex's ClientRequest / ServerNotification. */
function envelopeUnion(list: MethodSchema[], direction: Direction): JsonSchema {
  const withId = direction === 'clientRequest' || direction === 'serverRequest';
  return {
    oneOf: list
      .filter((m) => m.direction === direction)
      .map((m) => ({
        type: 'object',
        title: `${typeBaseName(m.method)}Message`,
        properties: {
          ...(withId ? { id: ref('RequestId') } : {}),
          method: { type: 'string', enum: [m.method] },
          params: ref(m.paramsName),
          ...(direction === 'serverNotification'
            ? { emittedAtMs: { type: 'integer', description: 'Milliseconds since the epoch.' } }
            : {}),
        },
        required: [...(withId ? ['id'] : []), 'method', ...(m.paramsOptional ? [] : ['params'])],
      })),
  };
}

/** File name → schema: one per params/result type plus the bundle. */
export function buildJsonSchemaFiles(): Record<string, JsonSchema> {
  const { methods: list, definitions } = buildProtocolSchemas();
  const files: Record<string, JsonSchema> = {};
  const all: Record<string, JsonSchema> = { ...definitions };
  const file = (title: string, schema: JsonSchema) => {
    // Each file carries the named types it uses, so it validates on its own.
    const used = usedDefinitions(schema, definitions);
    files[`${title}.json`] = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title,
      ...schema,
      ...(Object.keys(used).length ? { definitions: used } : {}),
    };
    all[title] = schema;
  };
  for (const m of list) {
    file(m.paramsName, m.params);
    if (m.resultName && m.result) file(m.resultName, m.result);
  }
  all.ClientRequest = envelopeUnion(list, 'clientRequest');
  all.ClientNotification = envelopeUnion(list, 'clientNotification');
  all.ServerRequest = envelopeUnion(list, 'serverRequest');
  all.ServerNotification = envelopeUnion(list, 'serverNotification');
  files['yoke_app_server_protocol.schemas.json'] = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'YokeAppServerProtocol',
    type: 'object',
    definitions: all,
  };
  return files;
}

/** The named definitions a schema refers to, transitively. */
function usedDefinitions(
  schema: JsonSchema,
  definitions: Record<string, JsonSchema>,
): Record<string, JsonSchema> {
  const used: Record<string, JsonSchema> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const name = value.replace('#/definitions/', '');
        if (!used[name] && definitions[name]) {
          used[name] = definitions[name];
          visit(definitions[name]);
        }
      } else visit(value);
    }
  };
  visit(schema);
  return Object.fromEntries(Object.entries(used).sort(([a], [b]) => cmp(a, b)));
}

/** Writes the JSON Schema files into outDir (created if needed); returns the file names. */
export async function generateJsonSchema(outDir: string): Promise<string[]> {
  const files = buildJsonSchemaFiles();
  await mkdir(outDir, { recursive: true });
  for (const [name, schema] of Object.entries(files)) {
    await writeFile(join(outDir, name), `${JSON.stringify(schema, null, 2)}\n`);
  }
  return Object.keys(files);
}
