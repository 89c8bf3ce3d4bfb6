// The N-step scripted turn's mock model (stepScript: N shell calls, then "done") in a process
// of its own, so the editor a benchmark drives does not share an event loop with the model it
// is measured against. Prints its base URL, then `request MS` as each request arrives (its own
// clock), on stdout.
import { startMockModel } from '../test/support/mock-model.ts';
import { stepScript } from './exec.ts';

const script = stepScript(Number(process.argv[2] ?? 100));
const mock = await startMockModel((request) => {
  process.stdout.write(`request ${performance.now()}\n`);
  return script(request);
});
process.stdout.write(`${mock.url}\n`);
process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
