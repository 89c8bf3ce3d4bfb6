// The host filesystem as a Codex client reaches it through the App Server (fs/*): what an
// editor extension does when Yoke runs on another machine than the editor. Paths are absolute;
// contents travel as base64. Field names follow Codex App Server v2 (0.169.0).
import * as z from 'zod';
import { def } from './method-def.ts';

const AbsolutePath = z.string().refine((p) => p.startsWith('/'), 'must be an absolute path');
const Path = { path: AbsolutePath };

export const fsMethods = {
  'fs/readFile': def(
    'clientRequest',
    'A file’s bytes, base64.',
    () => z.object(Path),
    () => z.object({ dataBase64: z.string() }),
  ),
  'fs/writeFile': def(
    'clientRequest',
    'Writes a file (created or replaced whole, through a temporary file and a rename).',
    () => z.object({ ...Path, dataBase64: z.string() }),
    () => z.object({}),
  ),
  'fs/createDirectory': def(
    'clientRequest',
    'Makes a directory; with its missing parents unless `recursive` is false.',
    () => z.object({ ...Path, recursive: z.boolean().nullable().optional() }),
    () => z.object({}),
  ),
  'fs/getMetadata': def(
    'clientRequest',
    'What a path is (symbolic links followed, except for isSymlink) and its times.',
    () => z.object(Path),
    () =>
      z.object({
        isDirectory: z.boolean(),
        isFile: z.boolean(),
        isSymlink: z.boolean(),
        createdAtMs: z.number().int(),
        modifiedAtMs: z.number().int(),
      }),
  ),
  'fs/readDirectory': def(
    'clientRequest',
    'The names directly in a directory, each with what it resolves to.',
    () => z.object(Path),
    () =>
      z.object({
        entries: z.array(
          z.object({ fileName: z.string(), isDirectory: z.boolean(), isFile: z.boolean() }),
        ),
      }),
  ),
  'fs/remove': def(
    'clientRequest',
    'Removes a file or a directory tree (`recursive` and `force` default to true; without ' +
      'force a missing path is an error).',
    () =>
      z.object({
        ...Path,
        recursive: z.boolean().nullable().optional(),
        force: z.boolean().nullable().optional(),
      }),
    () => z.object({}),
  ),
  'fs/copy': def(
    'clientRequest',
    'Copies a file, or a directory tree when `recursive` is true.',
    () =>
      z.object({
        sourcePath: AbsolutePath,
        destinationPath: AbsolutePath,
        recursive: z.boolean().optional(),
      }),
    () => z.object({}),
  ),
  'fs/watch': def(
    'clientRequest',
    'Reports changes under a file or directory as fs/changed, until fs/unwatch or the ' +
      'connection closes. The watch id is the client’s, per connection.',
    () => z.object({ ...Path, watchId: z.string() }),
    () => z.object({ path: z.string() }),
  ),
  'fs/unwatch': def(
    'clientRequest',
    'Stops a watch.',
    () => z.object({ watchId: z.string() }),
    () => z.object({}),
  ),
  'fs/changed': def(
    'serverNotification',
    'Paths that changed under a watch (batched over a few milliseconds).',
    () => z.object({ watchId: z.string(), changedPaths: z.array(z.string()) }),
  ),
} as const;
