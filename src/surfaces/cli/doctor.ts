// `yoke doctor`: what Yoke depends on, checked, with what to do about each problem.
import { runDoctor } from '../../runtime/doctor.ts';
import { yokeHome } from '../../runtime/yoke-home.ts';
import { command, helpText, parseCommand, UsageError } from './args.ts';

export const DOCTOR = command({
  name: 'doctor',
  usage: ['yoke doctor'],
  description:
    'Checks the store (a full integrity_check of $YOKE_HOME/yoke.db), the sandbox (bubblewrap\n' +
    'present and able to build one), the model endpoint (one request with the configured key),\n' +
    'the configuration, the permissions of $YOKE_HOME, and what earlier runs left behind; prints\n' +
    'what to do for each problem. Changes nothing. Exit status 0 when all is well, 1 otherwise.',
  options: {},
});

export async function doctorCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<number> {
  const { positionals, help } = parseCommand(DOCTOR, argv);
  if (help) {
    io.stdout.write(helpText(DOCTOR));
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('yoke doctor takes no arguments');
  const checks = await runDoctor({ home: yokeHome(io.env), env: io.env, cwd: process.cwd() });
  for (const check of checks) {
    io.stdout.write(`${check.ok ? 'ok     ' : 'PROBLEM'} ${check.name}: ${check.detail}\n`);
    if (!check.ok && check.fix) io.stdout.write(`        fix: ${check.fix}\n`);
  }
  const problems = checks.filter((c) => !c.ok).length;
  io.stdout.write(problems === 0 ? 'all is well\n' : `${problems} problem(s)\n`);
  return problems === 0 ? 0 : 1;
}
