// One chaos run: a real `yoke app-server` (stdio) runs the scripted 30-step turn and is killed
// with SIGKILL at a point chosen from a seed — while the model streams, while a command runs,
// right after a patch starts, while the model writes a compaction summary, while an approval
// waits, or after the n-th notification. Kill points are events the client saw, not times.
// Then: the database passes integrity_check; a new server process resumes the thread; every
// item the client saw completed is stored exactly once, as it was seen; the turn's work goes
// on to the final answer; and the first model request after the restart extends the last one
// before the kill (or, when a compaction came between, starts from the new summary).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir, tempRepo, yokeEnv } from './cli.ts';
import {
  chaosScript,
  FINAL_ANSWER,
  isSummaryRequest,
  KILL_KINDS,
  LONG_SLEEP,
  STEPS,
  stepKind,
  stepReached,
  type KillKind,
  type StepKind,
} from './chaos-script.ts';
import { CodexDriver, type Json } from './codex-driver.ts';
import { startMockModel, type RecordedRequest } from './mock-model.ts';
import { processGone } from './processes.ts';
import { prng } from './rpc-fixtures.ts';

/** The history passes it near steps 13 and 23 (it starts at ~1900 tokens, +90 a step). */
const AUTO_COMPACT_TOKENS = 2900;

export type ChaosPlan = {
  seed: number;
  kind: KillKind;
  /** The step whose work is interrupted (stream, command, patch, approval). */
  step: number | null;
  /** For `any`: the notification after which the server dies. */
  nth: number | null;
};

export type ChaosResult = {
  plan: ChaosPlan;
  /** The step the stored history had reached when the server died. */
  stepAtKill: number;
  /** Items the client had seen completed before the kill. */
  itemsSeen: number;
  /** How the next request was checked: a strict prefix-extension, or a new summary. */
  prefix: 'extends' | 'after-compaction';
  /** How the work went on: the waiting turn revived, or a new turn on the repaired thread. */
  resumedBy: 'revived turn' | 'new turn';
  ms: number;
};

const steps = (kind: StepKind) =>
  Array.from({ length: STEPS }, (_, i) => i + 1).filter((n) => n > 1 && stepKind(n) === kind);

/** The seeded plan of run `seed`: kinds take turns, the step and the n-th event are random. */
export function planFor(seed: number, index: number): ChaosPlan {
  const rand = prng(seed);
  const kind = KILL_KINDS[index % KILL_KINDS.length]!;
  const pick = (xs: number[]) => xs[Math.floor(rand() * xs.length)]!;
  switch (kind) {
    case 'stream':
    case 'command':
    case 'patch':
    case 'approval':
      return { seed, kind, step: pick(steps(kind)), nth: null };
    case 'compaction':
      return { seed, kind, step: null, nth: null };
    case 'any':
      return { seed, kind, step: null, nth: 1 + Math.floor(rand() * 400) };
  }
}

const input = (t: string) => [{ type: 'text', text: t, text_elements: [] }];
const prefixOf = (body: string) => body.slice(0, body.lastIndexOf(']'));
const deltaOf = (m: Json) => String((m.params as Json | undefined)?.delta ?? '');

const trace = (...a: unknown[]) => {
  if (process.env.CHAOS_TRACE) console.log(new Date().toISOString().slice(11, 23), ...a);
};

export async function chaosRun(
  plan: ChaosPlan,
  cleanup: { after: (fn: () => unknown) => void },
): Promise<ChaosResult> {
  const started = Date.now();
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  cleanup.after(() => release());
  const mock = await startMockModel(
    chaosScript({
      longCommandAt: plan.kind === 'command' ? plan.step : null,
      holdStreamAt: plan.kind === 'stream' ? plan.step : null,
      holdSummary: plan.kind === 'compaction',
      held,
    }),
  );
  cleanup.after(() => mock.close());
  const repo = tempRepo({ 'README.md': '# chaos\n' }, cleanup);
  const home = tempDir('home', cleanup);
  // A held stream the kill never reaches ends at the idle timeout (and fails the run) instead
  // of the default five minutes.
  writeFileSync(
    join(home, 'config.toml'),
    [
      `model_auto_compact_token_limit = ${AUTO_COMPACT_TOKENS}`,
      'model_provider = "mock"',
      '[model_providers.mock]',
      `base_url = "${mock.url}"`,
      'env_key = "MOCK_KEY"',
      'stream_idle_timeout_ms = 30000',
    ].join('\n'),
  );
  const env = yokeEnv(mock.url, home, { MOCK_KEY: 'k' });

  // ---- the first server, killed mid-turn ---------------------------------------------------
  const { driver: a, child } = CodexDriver.stdio(env, repo);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const isHeldApproval = (m: Json) =>
    plan.kind === 'approval' &&
    String((m.params as Json).command ?? '').includes(`escalated-step-${plan.step}.txt`);
  a.onServerRequest = (m) => (isHeldApproval(m) ? null : { decision: 'accept' });
  await a.initialize('chaos');
  const thread = (await a.request('thread/start', { cwd: repo, approvalPolicy: 'on-request' }))
    .thread as Json;
  const threadId = thread.id as string;
  const turn = (await a.request('turn/start', { threadId, input: input('Do the 30 steps.') }))
    .turn as Json;
  const turnDone = a.waitFor('turn/completed', (p) => (p.turn as Json).id === turn.id);

  const killPoint: Promise<unknown> = (() => {
    switch (plan.kind) {
      case 'stream': {
        // The marker may be split across deltas: follow each message's text.
        const texts = new Map<string, string>();
        return a.waitFor('item/agentMessage/delta', (p) => {
          const text = (texts.get(p.itemId as string) ?? '') + deltaOf({ params: p });
          texts.set(p.itemId as string, text);
          return text.includes(`step ${plan.step}:`);
        });
      }
      case 'command':
        return a.waitFor('item/commandExecution/outputDelta', (p) =>
          deltaOf({ params: p }).includes(`begun step ${plan.step}`),
        );
      case 'patch':
        return a.waitFor(
          'item/started',
          (p) =>
            (p.item as Json).type === 'fileChange' &&
            JSON.stringify(p.item).includes(`step-${plan.step}.txt`),
        );
      case 'compaction':
        return a.waitFor('item/started', (p) => (p.item as Json).type === 'contextCompaction');
      case 'approval':
        return a.nextMessage(
          (m) => m.id !== undefined && m.method !== undefined && isHeldApproval(m),
        );
      case 'any':
        return a.nextMessage(() => a.notifications.length >= plan.nth!);
    }
  })();
  // Only an n past the turn's end may miss its point (then the kill comes after the turn).
  const reached = await Promise.race([killPoint.then(() => true), turnDone.then(() => false)]);
  if (!reached && plan.kind !== 'any')
    assert.fail(`the turn ended without reaching the ${plan.kind} kill point`);
  trace('kill point reached', mock.requests.length);
  child.kill('SIGKILL');
  await exited;
  release();
  const seen = a.notifications
    .filter((n) => n.method === 'item/completed')
    .map((n) => (n.params as Json).item as Json);
  const requestsBefore = mock.requests.length;
  const lastRegular = [...mock.requests].reverse().find((r) => !isSummaryRequest(r));
  const stepAtKill = lastRegular ? stepReached(lastRegular) : 0;

  trace('killed');
  if (plan.kind === 'command')
    assert.equal(await processGone(LONG_SLEEP), true, 'the running command died with the server');
  const db = new Database(join(home, 'yoke.db'));
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check');
  } finally {
    db.close();
  }

  // ---- a new server resumes the thread and finishes the work ------------------------------
  const { driver: b, child: child2 } = CodexDriver.stdio(env, repo);
  cleanup.after(() => {
    if (child2.exitCode === null && child2.signalCode === null) child2.kill('SIGKILL');
  });
  b.onServerRequest = () => ({ decision: 'accept' });
  await b.initialize('chaos-after');
  trace('second server up');
  const resumed = (await b.request('thread/resume', { threadId })).thread as Json;
  trace('resumed');
  const revived = (resumed.turns as Json[]).find((x) => x.status === 'inProgress');
  const finalTurnId = revived
    ? (revived.id as string)
    : ((await b.request('turn/start', { threadId, input: input('Continue.') })).turn as Json).id;
  const finished = await b.waitFor('turn/completed', (p) => (p.turn as Json).id === finalTurnId);
  const final = finished.turn as Json;
  trace('finished', mock.requests.length);
  assert.equal(final.status, 'completed', JSON.stringify(final.error));
  assert.equal(((final.items as Json[]).at(-1) as Json | undefined)?.text, FINAL_ANSWER);

  // Every item seen completed before the kill is stored once, exactly as it was seen.
  const read = (await b.request('thread/read', { threadId, includeTurns: true })).thread as Json;
  const stored = (read.turns as Json[]).flatMap((x) => x.items as Json[]);
  const ids = stored.map((i) => i.id as string);
  assert.equal(new Set(ids).size, ids.length, 'no item is stored twice');
  const byId = new Map(stored.map((i) => [i.id as string, i]));
  for (const item of seen) assert.deepEqual(byId.get(item.id as string), item, `item ${item.id}`);

  // The first model request after the restart extends the last one before it.
  const after = mock.requests.slice(requestsBefore);
  const nextRegular = after.find((r) => !isSummaryRequest(r));
  assert.ok(lastRegular && nextRegular, 'model requests before and after the restart');
  let prefix: ChaosResult['prefix'] = 'extends';
  const summariesBetween = [
    ...mock.requests.slice(mock.requests.indexOf(lastRegular), mock.requests.indexOf(nextRegular)),
  ].filter(isSummaryRequest).length;
  if (summariesBetween === 0) {
    assert.ok(nextRegular.body.startsWith(prefixOf(lastRegular.body)), 'prefix-extension');
  } else {
    // A compaction came between (stored before the kill, or run again after): the history
    // was rewritten on purpose, and the request starts from the newest summary.
    prefix = 'after-compaction';
    assert.match(nextRegular.body, /Summary #\d+: the work is at step/);
  }
  trace(
    mock.requests
      .map(
        (r) =>
          `${r.index}${r.index === requestsBefore ? '|' : ''}:${isSummaryRequest(r) ? 'S' : stepReached(r)}/${Math.round(r.body.length / 4)}`,
      )
      .join(' '),
  );
  await b.close();
  const resumedBy = revived ? 'revived turn' : 'new turn';
  return { plan, stepAtKill, itemsSeen: seen.length, prefix, resumedBy, ms: Date.now() - started };
}

export type { RecordedRequest };
