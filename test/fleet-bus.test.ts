// The fleet's live events on a real Redis (a server of this file's own): messages reach every
// subscriber of a channel and only them, a cancel request outlives the moment, a thread lease
// has one holder at a time, and subscriptions come back after a Redis restart.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { FleetBus, type BusMessage } from '../src/tasks/fleet-bus.ts';
import { connectRedis } from '../src/tasks/redis-connection.ts';
import { startRedis, type RedisServer } from './support/redis-server.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});
let started: Promise<RedisServer> | null = null;
const redis = () => (started ??= startRedis({ after: (fn) => cleanups.push(fn) }));

async function bus(prefix: string): Promise<FleetBus> {
  const server = await redis();
  const b = new FleetBus(
    connectRedis(server.url, 'bus', () => {}),
    connectRedis(server.url, 'bus-sub', () => {}),
    () => {},
    prefix,
  );
  cleanups.push(() => b.close());
  return b;
}

const next = (b: FleetBus, channel: string) =>
  new Promise<BusMessage>((resolve) => {
    const off = b.subscribe(channel, (m) => {
      off();
      resolve(m);
    });
  });

test(
  'fleet bus: a channel reaches its subscribers; cancel requests are shared',
  { timeout: 60_000 },
  async () => {
    const a = await bus('t1');
    const b = await bus('t1');
    const got = next(b, b.channel('thread:x'));
    let strays = 0;
    b.subscribe(b.channel('thread:y'), () => strays++);
    await b.subscribed();
    a.publish(a.channel('thread:x'), { type: 'notification', n: 1 });
    assert.deepEqual(await got, { type: 'notification', n: 1 });
    assert.equal(strays, 0);

    const control = next(b, b.channel('control'));
    await b.subscribed();
    assert.equal(await b.cancelRequested('task1'), false);
    await a.requestCancel('task1');
    assert.deepEqual(await control, { type: 'cancel', taskId: 'task1' });
    assert.equal(await b.cancelRequested('task1'), true);
  },
);

test('fleet bus: subscriptions come back after a Redis restart', { timeout: 60_000 }, async () => {
  const server = await redis();
  const a = await bus('t2');
  const b = await bus('t2');
  const seen: BusMessage[] = [];
  let arrived: () => void = () => {};
  b.subscribe(b.channel('tasks'), (m) => {
    seen.push(m);
    arrived();
  });
  await b.subscribed();
  await server.stop();
  await server.start();
  // Published until it arrives: the subscriber reconnects on its own schedule.
  const delivered = new Promise<void>((resolve) => (arrived = resolve));
  const timer = setInterval(() => a.publish(a.channel('tasks'), { type: 'task', id: 'k' }), 100);
  await delivered;
  clearInterval(timer);
  assert.deepEqual(seen[0], { type: 'task', id: 'k' });
});
