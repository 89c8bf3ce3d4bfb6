// The one table of requests awaiting answers (src/protocol/pending-requests.ts) that the client
// and the server connection share: each request is settled once and then forgotten.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingRequests } from '../src/protocol/pending-requests.ts';

class Coded extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}
const errors = { cancelled: () => new Coded('cancelled'), timedOut: () => new Coded('timeout') };

test('ids count up; an answer settles its request once; a late one finds nothing', async () => {
  const table = new PendingRequests<'a' | 'b'>();
  const first = table.open<number>('a', errors);
  const second = table.open<number>('b', errors);
  assert.deepEqual([first.id, second.id], [0, 1]);
  assert.equal(table.size, 2);
  const entry = table.get(first.id)!;
  assert.equal(entry.method, 'a');
  entry.resolve(42);
  entry.reject(new Coded('late'));
  assert.equal(await first.result, 42);
  assert.equal(table.get(first.id), null);
  assert.equal(table.get('0'), null, 'string ids were never sent');
  table.rejectAll((method) => new Coded(`closed before ${method}`));
  await assert.rejects(second.result, /closed before b/);
  assert.equal(table.size, 0);
});

test('a cancel or a timeout rejects and forgets; an aborted signal never registers', async () => {
  const table = new PendingRequests<'a'>();
  const abort = new AbortController();
  const cancelled = table.open('a', { ...errors, signal: abort.signal });
  abort.abort();
  await assert.rejects(cancelled.result, { code: 'cancelled' });
  assert.equal(table.has(cancelled.id), false);

  const timed = table.open('a', { ...errors, timeoutMs: 1 });
  await assert.rejects(timed.result, { code: 'timeout' });
  assert.equal(table.has(timed.id), false);

  const never = table.open('a', { ...errors, signal: abort.signal });
  assert.equal(table.has(never.id), false, 'nothing to send');
  await assert.rejects(never.result, { code: 'cancelled' });
});
