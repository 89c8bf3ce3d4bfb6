// The soak's model, in a process of its own: a thread turn runs a command, a task adds a file,
// and after a tool's output comes back the answer streams in N deltas. Prints its base URL.
import {
  startMockModel,
  text,
  toolCall,
  type RecordedRequest,
} from '../test/support/mock-model.ts';
import { afterToolOutput, lastUserText } from '../test/support/task-fixtures.ts';

const deltas = Number(process.argv[2] ?? 40);
let files = 0;
const answer = (r: RecordedRequest) => {
  if (afterToolOutput(r))
    return text(`Done. ${'All went as planned. '.repeat(deltas / 4)}`, { chunks: deltas });
  if (lastUserText(r).startsWith('soak task')) {
    const name = `soak-${++files}.txt`;
    return toolCall('apply_patch', {
      input: `*** Begin Patch\n*** Add File: ${name}\n+soak\n*** End Patch`,
    });
  }
  return toolCall('shell', { command: 'echo soak && ls' });
};
const mock = await startMockModel(answer);
process.stdout.write(`${mock.url}\n`);
process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
