// Every sequence of up to four thread requests — start, start ephemeral, unsubscribe, resume,
// fork, turn/start, interrupt, archive — against a real `yoke app-server` process: it never
// dies, refuses bad requests with a clear error (never an internal one), every thread stays
// usable, and what it stores is intact (forks copy their source's turns, a new process reads
// back exactly what the first one said).
//
// Each sequence is run twice where a turn is in it: once with a model that answers at once and
// once with a model that streams until interrupted. One server process serves every sequence
// (each works on threads of its own), several sequences at a time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { YokeClient } from '../src/client/client.ts';
import { ClientError } from '../src/client/client-error.ts';
import { spawnStdioTransport } from '../src/client/stdio-client-transport.ts';
import type { ParamsOf, ResultOf } from '../src/protocol/methods.ts';
import type { Thread, Turn } from '../src/protocol/thread.ts';
import { tempDir, tempRepo, YOKE_BIN, yokeEnv } from './support/cli.ts';
import { hang, startMockModel, text, type RecordedRequest } from './support/mock-model.ts';

const OPS = [
  'start',
  'startEphemeral',
  'unsubscribe',
  'resume',
  'fork',
  'turn',
  'interrupt',
  'archive',
] as const;
type Op = (typeof OPS)[number];
type Mode = 'answer' | 'hang';
const MAX_LENGTH = 4;
const PARALLEL = 8;
const MISSING = '00000000-0000-7000-8000-000000000000';

/** Every sequence of OPS of length 1…MAX_LENGTH. */
function sequences(): Op[][] {
  const all: Op[][] = [];
  let level: Op[][] = [[]];
  for (let length = 1; length <= MAX_LENGTH; length++) {
    level = level.flatMap((seq) => OPS.map((op) => [...seq, op]));
    all.push(...level);
  }
  return all;
}

/** What the test knows of a thread it made. */
type Known = {
  id: string;
  ephemeral: boolean;
  subscribed: boolean;
  /** Turns started on it (and copied into it, for a fork), in order. */
  turns: string[];
  /** The turn that may still run; `certain` when it surely does (a model that hangs). */
  running: { id: string; certain: boolean } | null;
  /** For a fork: its source, and the source's turns it must have copied. */
  forkOf: { source: Known; copied: string[]; maybe: string | null } | null;
};

const input = (t: string) => [{ type: 'text' as const, text: t, text_elements: [] }];

/** The last user text of a model request: the prompts below say how the model answers. */
function lastUserText(request: RecordedRequest): string {
  const items = (request.json as { input: { role?: string; content?: { text?: string }[] }[] })
    .input;
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i]!.role === 'user')
      return items[i]!.content?.map((c) => c.text ?? '').join('') ?? '';
  }
  return '';
}

class Harness {
  private readonly completed = new Map<string, Turn>();
  private readonly waiting = new Map<string, (turn: Turn) => void>();
  readonly outcomes = { ok: 0, refused: 0 };

  constructor(
    readonly client: YokeClient,
    readonly repo: string,
  ) {
    client.onNotification('turn/completed', ({ turn }) => {
      this.completed.set(turn.id, turn);
      this.waiting.get(turn.id)?.(turn);
    });
  }

  turnCompleted(turnId: string): Promise<Turn> {
    const done = this.completed.get(turnId);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => this.waiting.set(turnId, resolve));
  }

  /** A request that must succeed or be refused clearly; null when refused. */
  async call<M extends Parameters<YokeClient['request']>[0]>(
    method: M,
    params: ParamsOf<M>,
    where: string,
  ): Promise<ResultOf<M> | null> {
    try {
      const result = await this.client.request(method, params);
      this.outcomes.ok++;
      return result;
    } catch (err) {
      assert.ok(err instanceof ClientError, `${where}: ${String(err)}`);
      assert.equal(err.code, 'rpc', `${where}: ${method}: ${err.message}`);
      assert.ok(
        err.rpcCode === -32600 || err.rpcCode === -32602,
        `${where}: ${method} answered ${err.rpcCode} ${err.message}`,
      );
      this.outcomes.refused++;
      return null;
    }
  }

  async run(seq: Op[], mode: Mode): Promise<Known[]> {
    const where = `[${seq.join(' ')}] (${mode})`;
    const threads: Known[] = [];
    let current: Known | null = null;
    const prompt = mode === 'answer' ? 'answer at once' : 'hang until interrupted';
    for (const op of seq) {
      const threadId: string = current?.id ?? MISSING;
      switch (op) {
        case 'start':
        case 'startEphemeral': {
          const ephemeral = op === 'startEphemeral';
          const r = await this.call('thread/start', { cwd: this.repo, ephemeral }, where);
          assert.ok(r, `${where}: thread/start refused`);
          assert.equal(r.thread.ephemeral, ephemeral, where);
          current = {
            id: r.thread.id,
            ephemeral,
            subscribed: true,
            turns: [],
            running: null,
            forkOf: null,
          };
          threads.push(current);
          break;
        }
        case 'unsubscribe':
          await this.call('thread/unsubscribe', { threadId }, where);
          if (current) current.subscribed = false;
          break;
        case 'resume': {
          const r: ResultOf<'thread/resume'> | null = await this.call(
            'thread/resume',
            { threadId },
            where,
          );
          if (current) {
            assert.ok(r, `${where}: resume of a thread it made was refused`);
            assert.equal(r.thread.ephemeral, current.ephemeral, `${where}: ephemeral kept`);
            assert.deepEqual(ids(r.thread.turns), current.turns, `${where}: resume lost turns`);
            current.subscribed = true;
          }
          break;
        }
        case 'fork': {
          const r = await this.call('thread/fork', { threadId }, where);
          if (!current) break;
          assert.ok(r, `${where}: fork refused`);
          const running = current.running;
          const copied = current.turns.filter((id) => id !== running?.id);
          const maybe = running && !running.certain ? running.id : null;
          assertCopied(ids(r.thread.turns), copied, maybe, `${where}: fork result`);
          threads.push({
            id: r.thread.id,
            ephemeral: false,
            subscribed: true,
            turns: ids(r.thread.turns),
            running: null,
            forkOf: { source: current, copied, maybe },
          });
          break;
        }
        case 'turn': {
          const r = await this.call('turn/start', { threadId, input: input(prompt) }, where);
          if (!current || !r) {
            assert.ok(!current || current.running, `${where}: turn/start refused`);
            break;
          }
          current.turns.push(r.turn.id);
          current.running = { id: r.turn.id, certain: mode === 'hang' };
          if (mode === 'answer' && current.subscribed) {
            // Subscribed: wait for the answer, so what follows sees a finished turn.
            assert.equal((await this.turnCompleted(r.turn.id)).status, 'completed', where);
            current.running = null;
          }
          break;
        }
        case 'interrupt': {
          const running = current?.running ?? null;
          const turnId = running?.id ?? current?.turns.at(-1) ?? 'no-turn';
          const r = await this.call('turn/interrupt', { threadId, turnId }, where);
          if (running?.certain) assert.ok(r, `${where}: interrupt of a running turn refused`);
          if (current && running && r) {
            // Where the end is visible, wait for it, so what follows sees the turn ended.
            if (current.subscribed) {
              await this.turnCompleted(running.id);
              current.running = null;
            } else current.running = { id: running.id, certain: false };
          }
          break;
        }
        case 'archive':
          await this.call('thread/archive', { threadId }, where);
          break;
      }
    }
    for (const thread of threads) await this.settle(thread, where);
    for (const thread of threads) await this.check(thread, where);
    return threads;
  }

  /** Ends whatever still runs, then runs one more turn: every thread must stay usable. */
  private async settle(thread: Known, where: string): Promise<void> {
    const resumed = await this.call('thread/resume', { threadId: thread.id }, where);
    assert.ok(resumed, `${where}: final resume of ${thread.id} refused`);
    thread.subscribed = true;
    const active = resumed.thread.turns.find((t) => t.status === 'inProgress');
    if (active) {
      await this.call('turn/interrupt', { threadId: thread.id, turnId: active.id }, where);
      await this.turnCompleted(active.id);
    }
    const r = await this.call('turn/start', { threadId: thread.id, input: input('final') }, where);
    assert.ok(r, `${where}: the final turn was refused on ${thread.id}`);
    const done = await this.turnCompleted(r.turn.id);
    assert.equal(done.status, 'completed', `${where}: final turn ${JSON.stringify(done.error)}`);
    thread.turns.push(r.turn.id);
  }

  /** What is stored: every turn we know of, in order, each intact. */
  private async check(thread: Known, where: string): Promise<void> {
    const read = await this.call('thread/read', { threadId: thread.id, includeTurns: true }, where);
    assert.ok(read, where);
    const turns = read.thread.turns;
    assert.equal(read.thread.ephemeral, thread.ephemeral, `${where}: ephemeral flag`);
    if (thread.forkOf) {
      // A fork holds its source's turns, then the one final turn of settle().
      const { source, copied, maybe } = thread.forkOf;
      const held = turns.slice(0, -1);
      assertCopied(ids(held), copied, maybe, where);
      const sourceRead = await this.call(
        'thread/read',
        { threadId: source.id, includeTurns: true },
        where,
      );
      for (const turn of held) {
        const original = sourceRead?.thread.turns.find((s) => s.id === turn.id);
        assert.deepEqual(turn.items, original?.items, `${where}: copied turn ${turn.id} intact`);
      }
    } else assert.deepEqual(ids(turns), thread.turns, `${where}: turns of ${thread.id}`);
    for (const turn of turns) {
      assert.ok(
        turn.status === 'completed' || turn.status === 'interrupted',
        `${where}: turn ${turn.id} is ${turn.status}: ${JSON.stringify(turn.error)}`,
      );
      const [first] = turn.items;
      assert.equal(first?.type, 'userMessage', `${where}: turn ${turn.id} starts with its input`);
      if (turn.status === 'completed') {
        const answer = turn.items.find((i) => i.type === 'agentMessage');
        assert.equal(answer?.type === 'agentMessage' && answer.text, 'done', where);
      }
    }
  }
}

function ids(turns: Thread['turns']): string[] {
  return turns.map((t) => t.id);
}

/** A fork holds exactly `copied`, plus `maybe` (a turn that may have ended just before). */
function assertCopied(got: string[], copied: string[], maybe: string | null, where: string) {
  if (maybe && got.length === copied.length + 1) {
    const at = got.indexOf(maybe);
    assert.ok(at >= 0, where);
    got = got.filter((id) => id !== maybe);
  }
  assert.deepEqual(got, copied, `${where}: the fork holds its source's turns`);
}

test(
  `every request sequence of {${OPS.join(', ')}} up to length ${MAX_LENGTH} leaves the server up and the store intact`,
  { timeout: 600_000 },
  async (t) => {
    const mock = await startMockModel((request) =>
      lastUserText(request).includes('hang') ? hang() : text('done'),
    );
    t.after(() => mock.close());
    const repo = tempRepo({ 'README.md': '# sequences\n' }, t);
    const home = tempDir('home', t);
    const env = yokeEnv(mock.url, home);
    const connect = async () => {
      const { transport, child } = spawnStdioTransport(process.execPath, [YOKE_BIN, 'app-server'], {
        cwd: repo,
        env,
        stderr: 'pipe',
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d));
      const client = new YokeClient(transport, { log: () => {} });
      let exited: string | null = null;
      client.onClose((reason) => (exited = reason));
      await client.initialize({ name: 'sequences', title: null, version: '1' });
      return {
        client,
        died: () => (exited ? `${exited}\n${stderr}` : null),
        stop: async () => {
          const gone = new Promise((resolve) => child.once('close', resolve));
          client.close();
          await gone;
        },
      };
    };

    const first = await connect();
    const harness = new Harness(first.client, repo);
    const runs: [Op[], Mode][] = [];
    const limit = Number(process.env.YOKE_SEQ_LIMIT ?? Infinity);
    for (const seq of sequences().slice(0, limit)) {
      runs.push([seq, 'answer']);
      if (seq.includes('turn')) runs.push([seq, 'hang']);
    }
    const stored: Known[] = [];
    let next = 0;
    const inFlight = new Set<string>();
    const worker = async () => {
      while (next < runs.length) {
        const [seq, mode] = runs[next++]!;
        const name = `[${seq.join(' ')}] (${mode})`;
        inFlight.add(name);
        try {
          stored.push(...(await harness.run(seq, mode)));
        } catch (err) {
          const died = first.died();
          if (!died) throw err;
          throw new Error(`the server died while running ${[...inFlight].join(', ')}: ${died}`);
        }
        inFlight.delete(name);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    assert.equal(first.died(), null);
    const reads = new Map<string, Thread>();
    for (const thread of stored.filter((th) => !th.ephemeral)) {
      const r = await first.client.request('thread/read', {
        threadId: thread.id,
        includeTurns: true,
      });
      reads.set(thread.id, r.thread);
    }
    await first.stop();

    // A new process reads back exactly what the first one said.
    const second = await connect();
    for (const [threadId, thread] of reads) {
      const r = await second.client.request('thread/read', { threadId, includeTurns: true });
      assert.deepEqual(r.thread.turns, thread.turns, `thread ${threadId} after a restart`);
    }
    await second.stop();
    t.diagnostic(
      `${runs.length} sequences (${sequences().length} distinct), ${stored.length} threads, ` +
        `${harness.outcomes.ok} requests answered, ${harness.outcomes.refused} refused clearly`,
    );
    assert.ok(harness.outcomes.refused > 0 && harness.outcomes.ok > runs.length);
  },
);
