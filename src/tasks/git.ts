// The git operations tasks need, through plain execFile (no shell, no library): checking a
// submission, worktrees, commits, and describing a result. Every call clears the GIT_* variables
// that would redirect git elsewhere (a daemon started from a git hook inherits GIT_DIR).
import { execFile } from 'node:child_process';
import { TaskError } from './errors.ts';

export type GitResult = { code: number; stdout: string; stderr: string };

const REDIRECTING = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY'];

function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', ...extra };
  for (const name of REDIRECTING) delete env[name];
  return env;
}

/** Runs git in `cwd`; never rejects for a non-zero exit (see `code`). */
export function gitRaw(
  cwd: string,
  args: string[],
  options: { env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<GitResult> {
  return new Promise((resolve) => {
    // A cwd that is a file makes spawn throw at once (ENOTDIR) instead of calling back.
    try {
      execGit(cwd, args, options, resolve);
    } catch (err) {
      resolve({ code: 128, stdout: '', stderr: err instanceof Error ? err.message : String(err) });
    }
  });
}

function execGit(
  cwd: string,
  args: string[],
  options: { env?: Record<string, string>; signal?: AbortSignal },
  resolve: (result: GitResult) => void,
): void {
  execFile(
    'git',
    args,
    {
      cwd,
      env: gitEnv(options.env),
      maxBuffer: 64 * 1024 * 1024,
      ...(options.signal ? { signal: options.signal } : {}),
    },
    (err, stdout, stderr) => {
      const code =
        err === null ? 0 : typeof err.code === 'number' ? err.code : err.killed ? 130 : 128;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || err?.message || '') });
    },
  );
}

export class GitError extends Error {
  readonly code = 'git_failed';
}

/** Runs git and answers its stdout; a failure throws with git's own message. */
export async function git(
  cwd: string,
  args: string[],
  options: { env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<string> {
  const r = await gitRaw(cwd, args, options);
  if (r.code !== 0) {
    const detail = r.stderr.trim().split('\n').slice(-3).join(' ') || `exit ${r.code}`;
    throw new GitError(`git ${args.slice(0, 3).join(' ')} failed in ${cwd}: ${detail}`);
  }
  return r.stdout;
}

/**
 * The top-level directory of the repository containing `dir`, and the ref a task starts from
 * when none is given: the checked-out branch, else HEAD (detached, or no commit yet). One git
 * process: submission latency is a few of these.
 */
export async function repoTopLevel(dir: string): Promise<{ top: string; head: string }> {
  const r = await gitRaw(dir, ['rev-parse', '--show-toplevel', '--abbrev-ref', 'HEAD']);
  const [top, head] = r.stdout.trim().split('\n');
  if (!top || (r.code !== 0 && !/unknown revision|ambiguous argument 'HEAD'/.test(r.stderr))) {
    const why = /ENOENT|no such file/i.test(r.stderr)
      ? 'no such directory'
      : /ENOTDIR/.test(r.stderr)
        ? 'not a directory'
        : 'not a git repository';
    throw new TaskError('task_invalid', `${dir}: ${why} (tasks run on a git repository)`);
  }
  return { top, head: head && head !== 'HEAD' ? head : 'HEAD' };
}

/** The commit `ref` names, or null when it names none. */
export async function resolveCommit(repo: string, ref: string): Promise<string | null> {
  if (ref.startsWith('-')) return null;
  const r = await gitRaw(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Files at a commit, in one git process (`cat-file --batch`); null for those it lacks. */
export function readFiles(
  repo: string,
  commit: string,
  paths: readonly string[],
): Promise<Map<string, string | null>> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['cat-file', '--batch'],
      { cwd: repo, env: gitEnv(), encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return reject(new GitError(`git cat-file failed in ${repo}: ${err.message}`));
        const files = new Map<string, string | null>();
        let pos = 0;
        for (const path of paths) {
          const nl = stdout.indexOf(10, pos);
          const header = stdout.subarray(pos, nl).toString('utf8');
          pos = nl + 1;
          const m = / blob (\d+)$/.exec(header);
          if (!m) {
            files.set(path, null);
            continue;
          }
          const size = Number(m[1]);
          files.set(path, stdout.subarray(pos, pos + size).toString('utf8'));
          pos += size + 1;
        }
        resolve(files);
      },
    );
    child.stdin!.end(paths.map((p) => `${commit}:${p}\n`).join(''));
  });
}

/** Whether a path (file or directory) exists at a commit. */
export async function pathExists(repo: string, commit: string, path: string): Promise<boolean> {
  return (await gitRaw(repo, ['cat-file', '-e', `${commit}:${path}`])).code === 0;
}

/** The identity commits get when the repository has none configured. */
export const YOKE_IDENTITY = {
  GIT_AUTHOR_NAME: 'Yoke',
  GIT_AUTHOR_EMAIL: 'yoke@localhost',
  GIT_COMMITTER_NAME: 'Yoke',
  GIT_COMMITTER_EMAIL: 'yoke@localhost',
};

/** Commits everything in the worktree; answers the new commit, or null when nothing changed. */
export async function commitAll(dir: string, message: string): Promise<string | null> {
  const status = await git(dir, ['status', '--porcelain']);
  if (!status.trim()) return null;
  await git(dir, ['add', '-A']);
  const configured = (await gitRaw(dir, ['config', 'user.email'])).code === 0;
  await git(dir, ['commit', '-q', '--no-verify', '-m', message], {
    ...(configured ? {} : { env: YOKE_IDENTITY }),
  });
  return (await git(dir, ['rev-parse', 'HEAD'])).trim();
}

export type Described = {
  headCommit: string;
  commits: { sha: string; subject: string }[];
  diffStat: string;
  filesChanged: number;
  insertions: number;
  deletions: number;
};

/** What a branch holds beyond its base: commits and a diff stat. */
export async function describeBranch(dir: string, base: string): Promise<Described> {
  const head = (await git(dir, ['rev-parse', 'HEAD'])).trim();
  const log = await git(dir, ['log', '--reverse', '--format=%H%x09%s', `${base}..${head}`]);
  const commits = log
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      return { sha: line.slice(0, tab), subject: line.slice(tab + 1) };
    });
  const diffStat = (await git(dir, ['diff', '--stat', base, head])).trimEnd();
  const short = await git(dir, ['diff', '--shortstat', base, head]);
  const count = (re: RegExp) => Number(re.exec(short)?.[1] ?? 0);
  return {
    headCommit: head,
    commits,
    diffStat,
    filesChanged: count(/(\d+) files? changed/),
    insertions: count(/(\d+) insertions?/),
    deletions: count(/(\d+) deletions?/),
  };
}
