// The scripted mock model in a process of its own, so a benchmark's client does not share an
// event loop with the model it measures against. Prints its base URL on stdout.
import { startMockModel, text } from '../test/support/mock-model.ts';

const deltas = Number(process.argv[2] ?? 200);
const mock = await startMockModel(() => text('x'.repeat(deltas), { chunks: deltas }));
process.stdout.write(`${mock.url}\n`);
process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
