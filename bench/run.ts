// npm run bench: runs each benchmark and prints its figures. `npm run bench -- exec` runs one.
// The soak (10 minutes) and the fleet (its own Redis and PostgreSQL, ~10 minutes) run only when
// named: `npm run bench -- soak [--minutes N]`, `npm run bench -- fleet`.
import { benchAcp } from './acp.ts';
import { benchAppServer } from './app-server.ts';
import { benchCodexTui } from './codex-tui.ts';
import { benchContext } from './context.ts';
import { benchExec } from './exec.ts';
import { benchFileSearch } from './file-search.ts';
import { benchFleet } from './fleet.ts';
import { benchSoak } from './soak.ts';
import { benchMcp } from './mcp.ts';
import { benchStoreCheck } from './store-check.ts';
import { benchTasks } from './tasks.ts';
import { benchTuiMarkdown } from './tui-markdown.ts';

const benches: Record<string, () => Promise<void>> = {
  exec: benchExec,
  acp: benchAcp,
  'app-server': benchAppServer,
  context: benchContext,
  tasks: benchTasks,
  fleet: benchFleet,
  mcp: benchMcp,
  soak: benchSoak,
  'store-check': benchStoreCheck,
  'tui-markdown': benchTuiMarkdown,
  'codex-tui': benchCodexTui,
  'file-search': benchFileSearch,
};
const ON_REQUEST = new Set(['soak', 'codex-tui', 'fleet']);
const wanted = process.argv.slice(2).filter((arg) => Object.hasOwn(benches, arg));
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length ? !wanted.includes(name) : ON_REQUEST.has(name)) continue;
  await run();
}
