// `yoke backup FILE` and `yoke backup --restore FILE`.
import { resolve } from 'node:path';
import { backupStore, restoreStore } from '../../runtime/store-backup.ts';
import { yokeHome } from '../../runtime/yoke-home.ts';
import { command, helpText, parseCommand, UsageError } from './args.ts';
import { runningDaemon } from './daemon.ts';

export const BACKUP = command({
  name: 'backup',
  usage: [
    'yoke backup FILE             copy the store to FILE (a new file), while Yoke runs',
    'yoke backup --restore FILE   put the backup FILE in place of the store',
  ],
  description:
    "The backup is SQLite's online backup of $YOKE_HOME/yoke.db: every thread, its events and\n" +
    'the tasks, consistent even while other Yoke processes write. FILE is created readable by\n' +
    'you only. --restore checks FILE (integrity_check, schema version) and moves the current\n' +
    'store aside to yoke.db.before-restore-TIME first; stop every Yoke process of this\n' +
    'YOKE_HOME before restoring.',
  options: {
    restore: { type: 'string', value: 'FILE', help: 'put the backup FILE in place of the store' },
  },
});

export async function backupCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<number> {
  const { values, positionals, help } = parseCommand(BACKUP, argv);
  if (help) {
    io.stdout.write(helpText(BACKUP));
    return 0;
  }
  const home = yokeHome(io.env);
  const restore = values.restore;
  if (restore !== undefined) {
    if (positionals.length > 0) throw new UsageError('--restore takes one FILE');
    const daemon = runningDaemon(home);
    if (daemon)
      throw new UsageError(`yoke serve is running (pid ${daemon.pid}); stop it before restoring`);
    const { previous, summary } = restoreStore(home, resolve(restore));
    io.stdout.write(
      `restored ${summary.threads} threads and ${summary.tasks} tasks from ${resolve(restore)}` +
        `${previous ? `; the store it replaces is kept at ${previous}` : ''}\n`,
    );
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError('usage: yoke backup FILE');
  const summary = await backupStore(home, resolve(file));
  const mb = (summary.bytes / 1048576).toFixed(1);
  io.stdout.write(
    `backed up ${summary.threads} threads and ${summary.tasks} tasks (${mb} MB) to ${resolve(file)}\n`,
  );
  return 0;
}
