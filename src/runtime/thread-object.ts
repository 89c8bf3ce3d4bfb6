// The Thread object of the wire, built one way for a loaded thread and a stored one alike.
import type { ReasoningEffort } from '../models/types.ts';
import type { Thread, ThreadStatus, Turn } from '../protocol/thread.ts';
import type { ThreadRow } from '../store/thread-store.ts';
import type { ThreadMeta, ThreadSettings } from './session-types.ts';
import { sec } from './thread-log.ts';
import { CLI_VERSION } from './version.ts';

export type ThreadFacts = {
  id: string;
  meta: Pick<
    ThreadMeta,
    'createdAt' | 'updatedAt' | 'preview' | 'source' | 'ephemeral' | 'name' | 'forkedFromId'
  >;
  settings: Pick<ThreadSettings, 'modelProvider' | 'cwd'> & {
    model: string | null;
    reasoningEffort?: ReasoningEffort | null;
  };
  status: ThreadStatus;
  turns: Turn[];
};

export function threadObject({ id, meta, settings, status, turns }: ThreadFacts): Thread {
  return {
    id,
    sessionId: id,
    forkedFromId: meta.forkedFromId,
    preview: meta.preview,
    ephemeral: meta.ephemeral,
    modelProvider: settings.modelProvider,
    model: settings.model,
    reasoningEffort: settings.reasoningEffort ?? null,
    createdAt: sec(meta.createdAt),
    updatedAt: sec(meta.updatedAt),
    status,
    path: null,
    cwd: settings.cwd,
    cliVersion: CLI_VERSION,
    source: meta.source,
    name: meta.name,
    projectId: null,
    turns,
  };
}

/** What a stored row says of a thread that is not loaded. */
export function metaOfRow(row: ThreadRow, ephemeral: boolean): ThreadFacts['meta'] {
  return {
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    preview: row.preview,
    source: row.source as Thread['source'],
    ephemeral,
    name: row.name,
    forkedFromId: row.forkedFrom,
  };
}
