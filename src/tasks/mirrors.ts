// Mirror clones: in a fleet a task names its repository by a git URL (or a path every worker
// can read), and each worker keeps one `git clone --mirror` of it under YOKE_HOME/mirrors,
// fetched before each task. Worktrees are made from the mirror, detached: the task's commits
// are pushed to the repository as `yoke/<id>` when it ends (a mirror's `fetch --prune` would
// delete a local branch the repository does not have).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { redactUrl, scrub } from '../store/url.ts';
import { TaskError } from './errors.ts';
import { gitRaw } from './git.ts';
import { worktreeRegistry } from './serial.ts';
import type { RepoSource } from './submission.ts';

/** Whether a task's `repo` names a remote (URL or scp-like `host:path`) rather than a path. */
export const isRemoteRepo = (repo: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^/\s]+:/.test(repo);

/** The repository's name for messages: a URL without its password. */
export const safeRepoName = (repo: string): string =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) ? redactUrl(repo) : repo;

export class Mirrors {
  readonly root: string;
  /** When each mirror was last fetched (clone and fetch run under worktreeRegistry). */
  private readonly fetchedAt = new Map<string, number>();

  constructor(home: string) {
    this.root = join(home, 'mirrors');
  }

  dirFor(repo: string): string {
    const hash = createHash('sha256').update(repo).digest('hex').slice(0, 16);
    const tail = (
      repo
        .replace(/\.git\/?$/, '')
        .split(/[/:]/)
        .pop() || 'repo'
    ).replace(/[^A-Za-z0-9._-]/g, '_');
    return join(this.root, `${tail}-${hash}.git`);
  }

  /**
   * The mirror of `repo`, cloned or fetched now — or, when `maxAgeMs` is given and it was
   * fetched more recently than that, as it is.
   */
  async sync(repo: string, maxAgeMs = 0): Promise<string> {
    const dir = this.dirFor(repo);
    const fresh = Date.now() - (this.fetchedAt.get(dir) ?? 0) < maxAgeMs;
    if (fresh && existsSync(dir)) return dir;
    return worktreeRegistry.run(dir, async () => {
      if (!existsSync(dir)) await this.clone(repo, dir);
      else {
        const r = await gitRaw(dir, ['fetch', '--quiet', '--prune', 'origin']);
        if (r.code !== 0) throw this.unreachable(repo, r.stderr);
      }
      this.fetchedAt.set(dir, Date.now());
      return dir;
    });
  }

  /** The commit `ref` names in the (fetched) mirror of `repo`, or null. */
  async resolve(repo: string, ref: string, maxAgeMs = 0): Promise<string | null> {
    const dir = await this.sync(repo, maxAgeMs);
    if (ref.startsWith('-')) return null;
    const r = await gitRaw(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  /** Reads submissions through the mirror: a URL, or a path every worker can read. */
  readonly source: RepoSource = async (repo) => {
    const name = repo.trim().replace(/(.)\/+$/, '$1');
    if (!isRemoteRepo(name) && !isAbsolute(name))
      throw new TaskError(
        'task_invalid',
        `repo must be a git URL or an absolute path every worker can read, not "${repo}"`,
      );
    const dir = await this.sync(name);
    const r = await gitRaw(dir, ['symbolic-ref', '--short', 'HEAD']);
    return { dir, head: r.code === 0 ? r.stdout.trim() : 'HEAD', name };
  };

  /** Pushes `source` (a commit or ref of `dir`) to `ref` of the repository, replacing it. */
  async push(repo: string, dir: string, source: string, ref: string): Promise<void> {
    const r = await gitRaw(dir, ['push', '--quiet', '--force', repo, `${source}:${ref}`]);
    if (r.code !== 0) {
      const why = scrub(r.stderr.trim().split('\n').slice(-2).join(' '), repo);
      throw new TaskError('task_conflict', `cannot push ${ref} to ${safeRepoName(repo)}: ${why}`);
    }
  }

  /** Deletes `ref` in the repository; never throws (it may not be there). */
  async deleteRef(repo: string, dir: string, ref: string): Promise<void> {
    await gitRaw(dir, ['push', '--quiet', repo, `:${ref}`]);
  }

  private async clone(repo: string, dir: string): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    const r = await gitRaw(this.root, ['clone', '--quiet', '--mirror', repo, tmp]);
    if (r.code !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw this.unreachable(repo, r.stderr);
    }
    renameSync(tmp, dir);
  }

  private unreachable(repo: string, stderr: string): TaskError {
    const why = scrub(stderr.trim().split('\n').slice(-2).join(' '), repo) || 'git failed';
    return new TaskError('task_invalid', `cannot fetch ${safeRepoName(repo)}: ${why}`);
  }
}
