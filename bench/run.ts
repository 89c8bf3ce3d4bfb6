// npm run bench: runs each benchmark and prints its figures. `npm run bench -- exec` runs one.
import { benchAppServer } from './app-server.ts';
import { benchContext } from './context.ts';
import { benchExec } from './exec.ts';
import { benchTasks } from './tasks.ts';

const benches: Record<string, () => Promise<void>> = {
  exec: benchExec,
  'app-server': benchAppServer,
  context: benchContext,
  tasks: benchTasks,
};
const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length && !wanted.includes(name)) continue;
  await run();
}
