// THE method table. Every JSON-RPC method Yoke speaks is declared once — name, direction,
// params and result schemas, stability — and everything else (types, router, typed client,
// JSON Schema, docs/protocol.md) is derived from it. The entries live in per-area files
// (methods-client.ts, methods-files.ts, methods-fs.ts, methods-command.ts, methods-thread.ts, methods-history.ts, methods-turn.ts,
// methods-review.ts, methods-approval.ts, methods-task.ts, methods-mcp.ts, methods-providers.ts) and are merged here.
//
// Wire conventions (Codex App Server v2): JSON-RPC 2.0 without the "jsonrpc" field; methods are
// `resource/verb`; fields are camelCase; ids are strings; params/results are objects named
// `*Params`/`*Result`; lists page with an opaque `cursor` → `nextCursor`; unions are tagged by
// `type`. Server notifications carry a top-level `emittedAtMs` beside `params`.
//
// Schemas are permissive where Codex's are: z.object strips unknown fields instead of refusing
// them, so a client that sends Codex fields Yoke does not use still works.
import * as z from 'zod';
import { approvalMethods } from './methods-approval.ts';
import { def, type Direction, type MethodSpec } from './method-def.ts';
import { clientMethods } from './methods-client.ts';
import { commandMethods } from './methods-command.ts';
import { fileMethods } from './methods-files.ts';
import { fsMethods } from './methods-fs.ts';
import { historyMethods } from './methods-history.ts';
import { mcpMethods } from './methods-mcp.ts';
import { providerMethods } from './methods-providers.ts';
import { reviewMethods } from './methods-review.ts';
import { taskMethods } from './methods-task.ts';
import { threadMethods } from './methods-thread.ts';
import { turnMethods } from './methods-turn.ts';

export { def };
export type { Direction, MethodSpec };

export const ClientInfo = z.object({
  name: z.string(),
  title: z.string().nullable().optional(),
  version: z.string(),
});
export type ClientInfo = z.infer<typeof ClientInfo>;

export const InitializeCapabilities = z.object({
  experimentalApi: z.boolean().optional(),
  /** Exact notification method names this connection never wants to receive. */
  optOutNotificationMethods: z.array(z.string()).nullable().optional(),
});
export type InitializeCapabilities = z.infer<typeof InitializeCapabilities>;

export const Model = z.object({
  id: z.string(),
  model: z.string(),
  displayName: z.string(),
  description: z.string(),
  hidden: z.boolean(),
  isDefault: z.boolean(),
  defaultReasoningEffort: z.string(),
  supportedReasoningEfforts: z.array(
    z.object({ reasoningEffort: z.string(), description: z.string() }),
  ),
  inputModalities: z.array(z.enum(['text', 'image', 'audio'])).optional(),
});
export type Model = z.infer<typeof Model>;

const sessionMethods = {
  initialize: def(
    'clientRequest',
    'Opens the connection. Must be the first request, exactly once.',
    () =>
      z.object({
        clientInfo: ClientInfo,
        capabilities: InitializeCapabilities.nullable().optional(),
      }),
    () =>
      z.object({
        userAgent: z.string(),
        codexHome: z.string(),
        platformFamily: z.string(),
        platformOs: z.string(),
      }),
  ),
  initialized: def('clientNotification', 'The client has processed the initialize result.', () =>
    z.object({}).optional(),
  ),
  'model/list': def(
    'clientRequest',
    'Pages through the models the configured providers offer.',
    () =>
      z.object({
        cursor: z.string().nullable().optional(),
        limit: z.number().int().min(0).max(0xffffffff).nullable().optional(),
        includeHidden: z.boolean().nullable().optional(),
        modelProvider: z.string().nullable().optional(),
      }),
    () => z.object({ data: z.array(Model), nextCursor: z.string().nullable() }),
  ),
} as const;

export const methods = {
  ...sessionMethods,
  ...clientMethods,
  ...fileMethods,
  ...fsMethods,
  ...commandMethods,
  ...threadMethods,
  ...historyMethods,
  ...turnMethods,
  ...reviewMethods,
  ...approvalMethods,
  ...taskMethods,
  ...mcpMethods,
  ...providerMethods,
} as const satisfies Record<string, MethodSpec>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;

/** Whether a string names a method of the table (own keys only: "__proto__" is not a method). */
export const isMethodName = (name: string): name is MethodName => Object.hasOwn(methods, name);

type ByDirection<D extends Direction> = {
  [K in MethodName]: Methods[K]['direction'] extends D ? K : never;
}[MethodName];

export type ClientRequestMethod = ByDirection<'clientRequest'>;
export type ClientNotificationMethod = ByDirection<'clientNotification'>;
export type ServerNotificationMethod = ByDirection<'serverNotification'>;
export type ServerRequestMethod = ByDirection<'serverRequest'>;

export type ParamsOf<M extends MethodName> = z.infer<Methods[M]['params']>;
// `def` types `result` as `R | undefined` (it is an optional argument), hence NonNullable.
export type ResultOf<M extends MethodName> =
  NonNullable<Methods[M]['result']> extends z.ZodType
    ? z.infer<NonNullable<Methods[M]['result']>>
    : never;

/** A server notification as it travels: `{method, params}` (emittedAtMs added on the wire). */
export type ServerNotification = {
  [M in ServerNotificationMethod]: { method: M; params: ParamsOf<M> };
}[ServerNotificationMethod];

/** A server→client request: `{method, params}` (the id is assigned by the connection). */
export type ServerRequest = {
  [M in ServerRequestMethod]: { method: M; params: ParamsOf<M> };
}[ServerRequestMethod];

/** A client→server request: `{method, params}` (the id is assigned by the client). */
export type ClientRequest = {
  [M in ClientRequestMethod]: { method: M; params: ParamsOf<M> };
}[ClientRequestMethod];

export type ClientNotification = {
  [M in ClientNotificationMethod]: { method: M; params?: ParamsOf<M> };
}[ClientNotificationMethod];
