// /model in the terminal UI, and the model/list it is fed by: the provider's own list (GET
// /v1/models, or Ollama's /api/tags) described from Yoke's model catalogue; a picker to choose
// from; unknown names refused with a hint.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { ModelCatalog } from '../src/context/model-catalog.ts';
import type { Model } from '../src/protocol/methods.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { ModelLister, providerModelIds } from '../src/runtime/model-list.ts';
import { nearest } from '../src/surfaces/tui/model-picker.ts';
import { KEYS, settle, waitForScreen } from './support/tui.ts';
import { fakeTui } from './support/tui-fake.ts';

/** A model server that answers only the GETs it is given, each with a JSON body. */
async function listServer(t: TestContext, routes: Record<string, unknown>): Promise<string> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    const body = routes[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

function lister(url: string, model = 'gpt-5.5') {
  const config = loadConfig({
    env: { OPENAI_BASE_URL: url, OPENAI_API_KEY: 'k', YOKE_HOME: '/nonexistent-yoke-home' },
    cwd: '/',
    overrides: [`model="${model}"`],
  });
  return new ModelLister(config, new ModelCatalog());
}

test('model/list: what /v1/models lists, the configured model first, described from the catalogue', async (t) => {
  const url = await listServer(t, {
    '/v1/models': {
      object: 'list',
      data: [{ id: 'o4-mini' }, { id: 'gpt-5.5' }, { id: 'my-tune' }],
    },
  });
  const models = await lister(url).list(null, true);
  assert.deepEqual(
    models.map((m) => [m.id, m.isDefault, m.hidden]),
    [
      ['gpt-5.5', true, false],
      ['my-tune', false, false],
      ['o4-mini', false, false],
    ],
  );
  assert.equal(models[0]!.description, 'listed by openai; 400k context, 128k output');
  assert.equal(models[1]!.description, "listed by openai; not in Yoke's catalogue");
  assert.equal(
    await lister(url)
      .list('other-provider', true)
      .then((m) => m.length),
    0,
  );
});

test("model/list: Ollama's /api/tags when /v1/models is not there", async (t) => {
  const url = await listServer(t, {
    '/api/tags': { models: [{ name: 'qwen3:32b' }, { name: 'llama3.2:3b' }] },
  });
  assert.deepEqual(await providerModelIds({ name: 'ollama', baseUrl: url, wireApi: 'chat' }), [
    'llama3.2:3b',
    'qwen3:32b',
  ]);
  const models = await lister(url, 'qwen3:32b').list(null, false);
  assert.deepEqual(
    models.map((m) => m.id),
    ['qwen3:32b', 'llama3.2:3b'],
  );
  assert.match(models[0]!.description, /^listed by openai; 41k context/);
});

test('model/list: no list from the provider: the catalogue, hidden, when asked for', async (t) => {
  const url = await listServer(t, {});
  const visible = await lister(url).list(null, false);
  assert.deepEqual(
    visible.map((m) => [m.id, m.description]),
    [['gpt-5.5', "openai's list could not be read; 400k context, 128k output"]],
  );
  const all: Model[] = await lister(url).list(null, true);
  const hidden = all.filter((m) => m.hidden).map((m) => m.id);
  assert.ok(hidden.includes('gpt-5*') && hidden.includes('claude-sonnet-4*'), hidden.join(' '));
});

const offered =
  (ids: string[], current = 'gpt-test') =>
  () => ({
    data: ids.map((id) => ({
      id,
      model: id,
      displayName: id,
      description: id === 'gpt-test' ? 'listed by openai; 128k context' : 'listed by openai',
      hidden: false,
      isDefault: id === current,
      defaultReasoningEffort: 'medium',
      supportedReasoningEfforts: [],
    })),
    nextCursor: null,
  });

test('/model alone opens a picker of the listed models; Enter takes the chosen one', async (t) => {
  const { screen, frame, controller } = await fakeTui(t, {
    answers: { 'model/list': offered(['gpt-test', 'gpt-test-mini', 'o4-mini']) },
  });
  screen.stdin.write('/model');
  await settle();
  screen.stdin.write(KEYS.enter);
  await waitForScreen(screen, 'Choose a model: Up/Down, Enter takes it, Esc cancels');
  assert.match(frame(), /^> \* gpt-test +listed by openai; 128k context$/m);
  assert.match(frame(), /^ {4}gpt-test-mini +listed by openai$/m);
  assert.match(frame(), /^ {4}o4-mini +listed by openai$/m);
  screen.stdin.write(KEYS.down);
  await waitForScreen(screen, /^> {3}gpt-test-mini/m);
  screen.stdin.write(KEYS.enter);
  await waitForScreen(screen, '- model gpt-test-mini from the next turn');
  assert.equal(controller.getState().overrides.model, 'gpt-test-mini');
  assert.equal(controller.getState().picker, null);
});

test('/model NAME: a listed name is taken; an unknown one refused with the nearest as a hint', async (t) => {
  const { screen, controller } = await fakeTui(t, {
    answers: { 'model/list': offered(['gpt-test', 'gpt-test-mini', 'o4-mini']) },
  });
  screen.stdin.write('/model o4-mni');
  await settle();
  screen.stdin.write(KEYS.enter);
  await waitForScreen(
    screen,
    '- unknown model "o4-mni"; did you mean o4-mini? /model lists the models offered',
  );
  assert.equal(controller.getState().overrides.model, null);
  screen.stdin.write('/model o4-mini');
  await settle();
  screen.stdin.write(KEYS.enter);
  await waitForScreen(screen, '- model o4-mini from the next turn');
  assert.equal(controller.getState().overrides.model, 'o4-mini');
  assert.equal(nearest('zzzzzzzz', ['gpt-test']), null, 'no hint when nothing is near');
});
