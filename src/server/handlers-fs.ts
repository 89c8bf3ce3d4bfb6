// fs/*: the host filesystem for a Codex client (an editor extension whose files live where
// Yoke runs). Not sandboxed — the client is the user, as for command/exec with full access —
// but every path is absolute, errors say which path and why, and watches end with the
// connection that made them.
import { watch, type FSWatcher } from 'node:fs';
import {
  copyFile,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RuntimeError } from '../runtime/errors.ts';
import type { Handlers } from './router.ts';

/** Changes seen within this many milliseconds go out as one fs/changed. */
const CHANGE_BATCH_MS = 50;

/** The message of a failed file operation: the operation, the path, the reason in words. */
function fsError(op: string, path: string, err: unknown): RuntimeError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EEXIST'
        ? 'it already exists'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'ENOTDIR'
            ? 'a part of the path is not a directory'
            : code === 'EACCES' || code === 'EPERM'
              ? 'permission denied'
              : code === 'ENOTEMPTY'
                ? 'the directory is not empty'
                : (err as Error).message;
  return new RuntimeError('input_invalid', `${op} ${path}: ${reason}`);
}

async function attempt<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fsError(op, path, err);
  }
}

type Watch = { watcher: FSWatcher; off: () => void };

/** The fs/* handlers, and `close` to end every watch (the server stops). */
export function createFsService(): { handlers: Handlers; close(): void } {
  /** connectionId → watchId → its watcher. */
  const watches = new Map<string, Map<string, Watch>>();
  const stopWatch = (connectionId: string, watchId: string): boolean => {
    const mine = watches.get(connectionId);
    const found = mine?.get(watchId);
    if (!found) return false;
    found.watcher.close();
    found.off();
    mine!.delete(watchId);
    if (mine!.size === 0) watches.delete(connectionId);
    return true;
  };

  const handlers: Handlers = {
    'fs/readFile': async ({ path }) => ({
      dataBase64: (await attempt('fs/readFile', path, () => readFile(path))).toString('base64'),
    }),
    'fs/writeFile': async ({ path, dataBase64 }) => {
      // A reader never sees half a file: written beside it, then renamed over it.
      const temp = join(dirname(path), `.${basename(path)}.yoke-${process.pid}-${Date.now()}`);
      await attempt('fs/writeFile', path, async () => {
        try {
          await writeFile(temp, Buffer.from(dataBase64, 'base64'), { flag: 'wx' });
          await rename(temp, path);
        } catch (err) {
          await rm(temp, { force: true });
          throw err;
        }
      });
      return {};
    },
    'fs/createDirectory': async ({ path, recursive }) => {
      await attempt('fs/createDirectory', path, () =>
        mkdir(path, { recursive: recursive ?? true }),
      );
      return {};
    },
    'fs/getMetadata': async ({ path }) => {
      const link = await attempt('fs/getMetadata', path, () => lstat(path));
      // What it resolves to; a dangling link is neither a file nor a directory.
      const target = link.isSymbolicLink() ? await stat(path).catch(() => null) : link;
      return {
        isDirectory: target?.isDirectory() ?? false,
        isFile: target?.isFile() ?? false,
        isSymlink: link.isSymbolicLink(),
        createdAtMs: Math.floor(link.birthtimeMs || 0),
        modifiedAtMs: Math.floor(link.mtimeMs || 0),
      };
    },
    'fs/readDirectory': async ({ path }) => {
      const dirents = await attempt('fs/readDirectory', path, () =>
        readdir(path, { withFileTypes: true }),
      );
      const entries = await Promise.all(
        dirents.map(async (d) => {
          const target = d.isSymbolicLink() ? await stat(join(path, d.name)).catch(() => null) : d;
          return {
            fileName: d.name,
            isDirectory: target?.isDirectory() ?? false,
            isFile: target?.isFile() ?? false,
          };
        }),
      );
      entries.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
      return { entries };
    },
    'fs/remove': async ({ path, recursive, force }) => {
      await attempt('fs/remove', path, () =>
        rm(path, { recursive: recursive ?? true, force: force ?? true }),
      );
      return {};
    },
    'fs/copy': async ({ sourcePath, destinationPath, recursive }) => {
      const source = await attempt('fs/copy', sourcePath, () => stat(sourcePath));
      if (source.isDirectory()) {
        if (!recursive)
          throw new RuntimeError(
            'input_invalid',
            `fs/copy ${sourcePath}: it is a directory; copying one needs recursive: true`,
          );
        await attempt('fs/copy', sourcePath, () =>
          cp(sourcePath, destinationPath, { recursive: true, errorOnExist: false }),
        );
      } else {
        await attempt('fs/copy', sourcePath, () => copyFile(sourcePath, destinationPath));
      }
      return {};
    },
    'fs/watch': async ({ path, watchId }, ctx) => {
      if (watches.get(ctx.connectionId)?.has(watchId))
        throw new RuntimeError('input_invalid', `fs/watch: ${watchId} is already watching`);
      const canonical = await attempt('fs/watch', path, () => realpath(path));
      const isDir = (await stat(canonical)).isDirectory();
      let pending = new Set<string>();
      let timer: NodeJS.Timeout | null = null;
      const flush = () => {
        timer = null;
        const changedPaths = [...pending].sort();
        pending = new Set();
        ctx.notify({ method: 'fs/changed', params: { watchId, changedPaths } });
      };
      const watcher = await attempt('fs/watch', path, async () =>
        watch(canonical, { recursive: isDir }, (_event, name) => {
          pending.add(isDir && name ? join(canonical, name.toString()) : canonical);
          timer ??= setTimeout(flush, CHANGE_BATCH_MS);
        }),
      );
      watcher.on('error', () => stopWatch(ctx.connectionId, watchId));
      const off = ctx.onClose(() => stopWatch(ctx.connectionId, watchId));
      let mine = watches.get(ctx.connectionId);
      if (!mine) watches.set(ctx.connectionId, (mine = new Map()));
      mine.set(watchId, {
        watcher,
        off: () => {
          off();
          if (timer) clearTimeout(timer);
        },
      });
      return { path: canonical };
    },
    'fs/unwatch': ({ watchId }, ctx) => {
      if (!stopWatch(ctx.connectionId, watchId))
        throw new RuntimeError('input_invalid', `fs/unwatch: no watch ${watchId}`);
      return {};
    },
  };
  return {
    handlers,
    // An open watcher keeps the process alive: a server that stops ends them all.
    close: () => {
      for (const [connectionId, mine] of [...watches])
        for (const watchId of [...mine.keys()]) stopWatch(connectionId, watchId);
    },
  };
}
