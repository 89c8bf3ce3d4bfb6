// A BullMQ worker in a process of its own, for tests that kill it: it takes jobs from the
// queue named in argv, says "started <taskId>" on stdout and never finishes them.
import { BullQueue } from '../../src/tasks/bull-queue.ts';
import { connectRedis } from '../../src/tasks/redis-connection.ts';

const [url, name, lockMs, intervalMs] = process.argv.slice(2);
const queue = new BullQueue({
  connect: (what) => connectRedis(url!, what, () => {}),
  name: name!,
  concurrency: 1,
  timings: { lockDurationMs: Number(lockMs), stalledIntervalMs: Number(intervalMs) },
  log: () => {},
});
queue.process(async ({ taskId }) => {
  process.stdout.write(`started ${taskId}\n`);
  await new Promise(() => {});
});
process.stdout.write('ready\n');
