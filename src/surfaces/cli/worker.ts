// `yoke worker`: runs a fleet's tasks (docs/fleet.md). It takes tasks from the shared BullMQ
// queue, claims each in the shared PostgreSQL store, runs it in a worktree of its own mirror
// clone of the repository and pushes the branch back; task updates reach the fronts on Redis.
// It serves no clients. One worker per YOKE_HOME (its worktrees and mirrors live there).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config.ts';
import type { Fleet } from '../../runtime/fleet.ts';
import { sandboxWarnings } from '../../runtime/sandbox-access.ts';
import { createTaskService } from '../../runtime/task-service.ts';
import { startAppServerHost } from '../app-server-host.ts';
import {
  command,
  COMMON_OPTIONS,
  countOption,
  helpText,
  parseCommand,
  UsageError,
} from './args.ts';
import { acquireLock } from './daemon.ts';
import { FLEET_FOOTER, FLEET_OPTIONS, openFleetFor } from './fleet-options.ts';

export const WORKER = command({
  name: 'worker',
  usage: ['yoke worker --store postgres://… --queue redis://… [--concurrency N] [--warm N]'],
  description:
    "Runs a fleet's background tasks (docs/fleet.md): takes them from the shared queue, runs each\n" +
    'in a worktree of its own mirror clone of the repository, and pushes the branch yoke/<id>\n' +
    'back. Submit tasks and watch them on a front (`yoke serve --store … --queue …`). A worker\n' +
    'that dies leaves its tasks to the others: they take them over once its lock runs out.\n' +
    'It refuses to start without the shared store. One worker per YOKE_HOME.',
  options: {
    ...FLEET_OPTIONS,
    concurrency: {
      type: 'string',
      value: 'N',
      help: 'tasks running at once on this worker (default: the number of cores)',
    },
    warm: {
      type: 'string',
      value: 'N',
      help: 'prepared worktrees kept per repository, setup done (default 0)',
    },
    config: COMMON_OPTIONS.config,
  },
  footer: FLEET_FOOTER,
});

export async function workerCommand(argv: string[]): Promise<number> {
  const { values: args, positionals, help } = parseCommand(WORKER, argv);
  if (help) {
    process.stdout.write(helpText(WORKER));
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const concurrency = countOption(args.concurrency, 'concurrency', 1);
  const warm = countOption(args.warm, 'warm', 0);
  const config = loadConfig({ overrides: args.config ?? [] });
  for (const warning of [...config.warnings, ...sandboxWarnings(config)])
    process.stderr.write(`warning: ${warning}\n`);
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const lock = join(config.home, 'worker.lock');
  const holder = acquireLock(config.home, lock);
  if (holder !== null) {
    process.stderr.write(`yoke worker is already running in ${config.home} (pid ${holder})\n`);
    return 1;
  }
  const release = () => rmSync(lock, { force: true });
  let fleet: Fleet;
  try {
    fleet = await openFleetFor(
      'worker',
      config,
      { store: args.store, queue: args.queue },
      { concurrency, log: (line) => log(`fleet: ${line}`) },
    );
  } catch (err) {
    release();
    throw err;
  }
  if (fleet.threads.role !== 'worker') throw new Error('a worker fleet has worker threads');
  const host = startAppServerHost({
    config,
    // The tasks' threads live in the shared store (this process works on a copy in memory).
    threadStore: fleet.threads.store,
    tasks: {
      create: createTaskService,
      options: {
        threads: fleet.threads.hooks,
        ...(concurrency ? { concurrency } : {}),
        ...(warm !== undefined ? { warm } : {}),
        log: (line) => log(`tasks: ${line}`),
        fleet: fleet.tasks,
      },
    },
  });
  fleet.attach(host.tasks);
  try {
    await host.tasks.start();
  } catch (err) {
    await host.close();
    await fleet.close();
    release();
    throw err;
  }
  log(
    `yoke worker ${fleet.workerId} ready (pid ${process.pid}, home ${config.home}, ` +
      `${fleet.where})`,
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  log('yoke worker stopping: its running tasks go back to the queue');
  await host.close();
  await fleet.close();
  release();
  return 0;
}
