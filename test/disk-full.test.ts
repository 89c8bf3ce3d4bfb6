// The store's disk fills up under a running `yoke app-server`: YOKE_HOME is a small tmpfs
// (mounted by the test, as root; skipped with one line where mounting is not allowed). One
// turn finds the disk full while the model answers (it fails), the next one before it starts
// (turn/start is refused). Each gets one clear error naming the store; the server stays up; what the thread holds stays
// what was saved; once space returns the thread goes on, a new server process resumes it with
// the same turns, and the database passes integrity_check.
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver, type Json } from './support/codex-driver.ts';
import { paced, startMockModel, text, type ScriptEntry } from './support/mock-model.ts';
import { lastUserText } from './support/task-fixtures.ts';

/**
 * A tmpfs of `size` on a fresh temp dir, detached (lazily: a server may still hold a file)
 * and removed when the test ends; null where mounting is not allowed.
 */
function smallDisk(t: TestContext, size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'yoke-store-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  t.after(() => {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes `path` until the disk has no byte left. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

const input = (t: string) => [{ type: 'text', text: t, text_elements: [] }];

test(
  'a full disk fails the turn with one clear error; the thread is intact when space returns',
  { timeout: 120_000 },
  async (t) => {
    const store = smallDisk(t, '8m');
    if (store === null) {
      t.skip('cannot mount a tmpfs here (needs root): the disk-full test did not run');
      return;
    }
    // Turn "two" fills the disk while the model answers (its start is saved, its answer is
    // not); turn "three" is asked for on a full disk (refused: nothing of it can be saved).
    const filler = join(store, 'filler');
    const answers: Record<string, ScriptEntry> = {
      one: text('first'),
      two: paced(text('x'.repeat(256 * 1024)), (frame) => {
        if (frame === 0) assert.ok(fill(filler) > 0);
      }),
      four: text('fourth'),
      five: text('fifth'),
    };
    const mock = await startMockModel((r) => answers[lastUserText(r)] ?? text('?'));
    t.after(() => mock.close());
    const repo = tempRepo({}, t);
    const env = { ...yokeEnv(mock.url, tempDir('home', t)), YOKE_HOME: store };

    // A server that dies fails the test at once instead of leaving it waiting.
    const died = (child: ChildProcess) => {
      const exit = new Promise<never>((_, reject) =>
        child.once('exit', (code, signal) =>
          reject(new Error(`the server exited (${signal ?? code}) instead of answering`)),
        ),
      );
      exit.catch(() => {});
      return exit;
    };
    const first = CodexDriver.stdio(env, repo);
    const a = first.driver;
    t.after(() => a.close());
    const firstDied = died(first.child);
    await a.initialize();
    const threadId = ((await a.request('thread/start', { cwd: repo })).thread as Json).id as string;
    const turn = async (d: CodexDriver, prompt: string, alive: Promise<never>) => {
      const request = d.request('turn/start', { threadId, input: input(prompt) });
      const started = (await Promise.race([request, alive])).turn as Json;
      const done = await Promise.race([
        d.waitFor('turn/completed', (p) => (p.turn as Json).id === started.id),
        alive,
      ]);
      const errors = d.notifications.filter(
        (n) => n.method === 'error' && ((n.params as Json).turnId as string) === started.id,
      );
      return {
        turn: done.turn as Json,
        errors: errors.map((e) => (e.params as Json).error as Json),
      };
    };
    const failedOnFullDisk = (r: Awaited<ReturnType<typeof turn>>) => {
      assert.equal(r.turn.status, 'failed');
      assert.equal(r.errors.length, 1);
      const message = String((r.turn.error as Json).message);
      assert.equal(r.errors[0]!.message, message);
      assert.match(message, /database or disk is full/);
      assert.ok(message.includes(join(store, 'yoke.db')), message);
    };
    assert.equal((await turn(a, 'one', firstDied)).turn.status, 'completed');
    failedOnFullDisk(await turn(a, 'two', firstDied));
    // A turn that cannot even be started is refused: one error naming the store, nothing kept.
    await assert.rejects(
      a.request('turn/start', { threadId, input: input('three') }),
      (err: Error) =>
        /database or disk is full/.test(err.message) &&
        err.message.includes(join(store, 'yoke.db')),
    );
    // Still serving, reads included: turn two was saved up to its answer, three not at all.
    const read = (await a.request('thread/read', { threadId, includeTurns: true })).thread as Json;
    assert.deepEqual(
      (read.turns as Json[]).map((x) => x.status),
      ['completed', 'failed'],
    );

    unlinkSync(filler);
    assert.equal((await turn(a, 'four', firstDied)).turn.status, 'completed');
    await a.close();

    // A new server process sees the same thread and goes on.
    const second = CodexDriver.stdio(env, repo);
    const b = second.driver;
    t.after(() => b.close());
    const secondDied = died(second.child);
    await b.initialize();
    const resumed = (await b.request('thread/resume', { threadId })).thread as Json;
    const turns = resumed.turns as Json[];
    assert.deepEqual(
      turns.map((x) => x.status),
      ['completed', 'failed', 'completed'],
    );
    const texts = turns.flatMap((x) =>
      (x.items as Json[]).filter((i) => i.type === 'agentMessage').map((i) => i.text),
    );
    assert.deepEqual(texts, ['first', 'fourth']);
    assert.equal((await turn(b, 'five', secondDied)).turn.status, 'completed');
    const last = mock.requests.at(-1)!.body;
    const before = mock.requests.at(-2)!.body;
    assert.ok(last.startsWith(before.slice(0, before.lastIndexOf(']'))), 'the prefix holds');
    await b.close();

    const db = new Database(join(store, 'yoke.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
    rmSync(join(store, 'yoke.db-wal'), { force: true });
  },
);
