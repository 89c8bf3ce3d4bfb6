// Opt-in: validates every message of the App Server scenarios against Codex 0.169.0's own
// stable JSON Schema. Generate it OUTSIDE the repo (never commit it):
//   npm install @openai/codex@0.169.0   (in a scratch folder)
//   node_modules/@openai/codex-linux-x64/vendor/*/bin/codex app-server generate-json-schema --out DIR
//   CODEX_SCHEMA_DIR=DIR npm test -- test/codex-conformance.test.ts
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import { runScenario } from './support/app-server-scenario.ts';
import type { Json, Recorded } from './support/codex-driver.ts';

const dir = process.env.CODEX_SCHEMA_DIR;

test(
  'App Server transcripts validate against Codex’s stable JSON Schema',
  { skip: dir ? false : 'set CODEX_SCHEMA_DIR to run' },
  async (t) => {
    const bundle = JSON.parse(
      readFileSync(join(dir!, 'codex_app_server_protocol.schemas.json'), 'utf8'),
    ) as {
      definitions: Record<string, Json> & { v2: Record<string, Json> };
    };
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
    for (const variant of (bundle.definitions.ClientRequest as { oneOf: Json[] }).oneOf) {
      const props = variant.properties as Json;
      const method = ((props.method as Json).enum as string[])[0]!;
      const ref = String((props.params as Json).$ref ?? '').replace('#/definitions/', '');
      const response = ref.replace(/Params$/, 'Response');
      const fn = ajv.getSchema(`codex#/definitions/${response}`);
      if (fn) responseOf.set(method, fn);
    }

    // The validator is not vacuous: a notification missing required fields fails.
    assert.equal(serverNotification({ method: 'turn/started', params: { threadId: 'x' } }), false);

    const transcripts: [string, Recorded[]][] = [];
    transcripts.push(['stdio', (await runScenario(t, 'stdio')).transcript]);
    transcripts.push(['ws', (await runScenario(t, 'ws')).transcript]);

    const failures: string[] = [];
    let checked = 0;
    for (const [name, transcript] of transcripts) {
      const methodOf = new Map<unknown, string>();
      for (const { dir: direction, message } of transcript) {
        let validate: ValidateFunction | undefined;
        let what: string;
        if (direction === 'c2s' && message.method !== undefined && message.id !== undefined) {
          methodOf.set(message.id, String(message.method));
          validate = clientRequest;
          what = `request ${String(message.method)}`;
        } else if (direction === 'c2s' && message.method !== undefined) {
          validate = clientNotification;
          what = `client notification ${String(message.method)}`;
        } else if (direction === 'c2s') {
          continue; // answers to approvals: validated as decisions below
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
        if (!validate(message))
          failures.push(`${name}: ${what}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    t.diagnostic(`validated ${checked} messages against ${dir}`);
    assert.deepEqual(failures, []);
    assert.ok(checked > 100);
  },
);
