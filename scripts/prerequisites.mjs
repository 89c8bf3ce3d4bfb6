// What the tests (and the sandbox) need from the system, in one table shared by scripts/test.mjs
// (which refuses to start without it, in one line) and .ci/run (which installs it).
//
//   node scripts/prerequisites.mjs              exit 0, or one line naming what is missing
//   node scripts/prerequisites.mjs --packages   the Debian packages to install, one per line
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** [what is checked, Debian package, why]. */
const NEEDS = [
  [{ command: 'git' }, 'git', 'worktrees and the repositories under test'],
  [{ command: 'rg' }, 'ripgrep', 'the grep tool'],
  [{ command: 'bwrap' }, 'bubblewrap', 'the sandbox'],
  [{ command: 'chromium' }, 'chromium', "the web page's browser tests"],
  [{ command: 'tmux' }, 'tmux', "the terminal UI's end-to-end tests"],
  [{ command: 'redis-server' }, 'redis-server', "the fleet's queue"],
  [{ postgres: true }, 'postgresql', "the fleet's shared store"],
  [{ command: 'cc' }, 'gcc', 'native/ helpers built by npm run build'],
  [{ file: '/usr/include/linux/seccomp.h' }, 'libc6-dev', "the sandbox's seccomp supervisor"],
];

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function hasPostgres() {
  if (onPath('initdb')) return true;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return false;
  return readdirSync(root).some((version) => existsSync(join(root, version, 'bin', 'initdb')));
}

/** The rows of NEEDS this machine lacks. */
export function missing() {
  return NEEDS.filter(([check]) => {
    if (check.command) return !onPath(check.command);
    if (check.postgres) return !hasPostgres();
    return !existsSync(check.file);
  });
}

/** One line naming what is missing and how to install it, or null when nothing is. */
export function missingLine() {
  const rows = missing();
  if (rows.length === 0) return null;
  const packages = rows.map(([, pkg]) => pkg);
  const what = rows.map(([, pkg, why]) => `${pkg} (${why})`).join(', ');
  return `tests need ${what}: run \`sudo apt-get install -y ${packages.join(' ')}\` (or .ci/run, which installs them)`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--packages')) {
    for (const [, pkg] of missing()) console.log(pkg);
  } else {
    const line = missingLine();
    if (line) {
      console.error(line);
      process.exit(1);
    }
  }
}
