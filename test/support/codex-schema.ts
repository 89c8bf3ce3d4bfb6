// Checks recorded App Server messages against Codex's own generated JSON Schema (made in the
// test cache by codex-package.ts, never committed): each client request, client notification,
// server request and notification against its union, each response against the response type
// of the request it answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Json, Recorded } from './codex-driver.ts';

export type TranscriptCheck = { checked: number; failures: string[] };

export type CodexSchema = {
  /**
   * Validates every message of a transcript (with `serverOnly`, what the server sent: a real
   * client's own requests are not ours to check); `name` prefixes the failures.
   */
  check(name: string, transcript: Recorded[], options?: { serverOnly?: boolean }): TranscriptCheck;
  /** Whether Codex's schema has a client request method of this name. */
  hasClientMethod(method: string): boolean;
  /** Codex's client request method names. */
  clientMethods: string[];
  serverNotification: ValidateFunction;
};

/** Methods whose response type is not named after their params type. */
const RESPONSE_OF: Record<string, string> = {
  'config/value/write': 'ConfigWriteResponse',
  'config/batchWrite': 'ConfigWriteResponse',
};

export function loadCodexSchema(dir: string): CodexSchema {
  const bundle = JSON.parse(
    readFileSync(join(dir, 'codex_app_server_protocol.schemas.json'), 'utf8'),
  ) as { definitions: Record<string, Json> };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(bundle, 'codex');
  const get = (pointer: string): ValidateFunction => {
    const fn = ajv.getSchema(`codex#/definitions/${pointer}`);
    assert.ok(fn, `no definition ${pointer}`);
    return fn;
  };
  const clientRequest = get('ClientRequest');
  const serverRequest = get('ServerRequest');
  const serverNotification = get('ServerNotification');
  const clientNotification = get('ClientNotification');
  // The response type of each client method: its params type with Params → Response.
  const responseOf = new Map<string, ValidateFunction>();
  const clientMethods: string[] = [];
  for (const variant of (bundle.definitions.ClientRequest as { oneOf: Json[] }).oneOf) {
    const props = variant.properties as Json;
    const method = ((props.method as Json).enum as string[])[0]!;
    clientMethods.push(method);
    // Params → Response; a method without params (`{"type": "null"}`) names it from its
    // parts: configRequirements/read → ConfigRequirementsReadResponse.
    const params = props.params as Json & { anyOf?: Json[] };
    const ref = String(params.$ref ?? params.anyOf?.find((s) => s.$ref)?.$ref ?? '');
    const response =
      RESPONSE_OF[method] ??
      (ref
        ? ref.replace('#/definitions/', '').replace(/Params$/, 'Response')
        : `${method
            .split('/')
            .map((part) => part[0]!.toUpperCase() + part.slice(1))
            .join('')}Response`);
    const fn =
      ajv.getSchema(`codex#/definitions/${response}`) ??
      ajv.getSchema(`codex#/definitions/v2/${response}`);
    if (fn) responseOf.set(method, fn);
  }

  const check = (
    name: string,
    transcript: Recorded[],
    { serverOnly = false } = {},
  ): TranscriptCheck => {
    const failures: string[] = [];
    let checked = 0;
    const methodOf = new Map<unknown, string>();
    for (const { dir: direction, message } of transcript) {
      let validate: ValidateFunction | undefined;
      let what: string;
      if (direction === 'c2s' && message.method !== undefined && message.id !== undefined) {
        methodOf.set(message.id, String(message.method));
        if (serverOnly) continue;
        validate = clientRequest;
        what = `request ${String(message.method)}`;
      } else if (direction === 'c2s' && message.method !== undefined) {
        if (serverOnly) continue;
        validate = clientNotification;
        what = `client notification ${String(message.method)}`;
      } else if (direction === 'c2s') {
        continue; // answers to approvals: the client's own
      } else if (message.method !== undefined && message.id !== undefined) {
        validate = serverRequest;
        what = `server request ${String(message.method)}`;
      } else if (message.method !== undefined) {
        validate = serverNotification;
        what = `notification ${String(message.method)}`;
      } else {
        const method = methodOf.get(message.id);
        if (message.error) continue; // errors are checked by shape in the rpc tests
        validate = method ? responseOf.get(method) : undefined;
        what = `response to ${method}`;
        if (!validate) {
          failures.push(`${name}: no Codex response type for ${method}`);
          continue;
        }
        checked++;
        if (!validate(message.result))
          failures.push(`${name}: ${what}: ${ajv.errorsText(validate.errors)}`);
        continue;
      }
      checked++;
      if (!validate(message)) failures.push(`${name}: ${what}: ${ajv.errorsText(validate.errors)}`);
    }
    return { checked, failures };
  };
  return {
    check,
    clientMethods,
    hasClientMethod: (method) => clientMethods.includes(method),
    serverNotification,
  };
}
