// The editor's buffers (ACP `fs/*`) as the file tools' FileAccess: read_file and apply_patch
// see unsaved changes, and patches land in the open buffers (the editor saves them). What the
// editor does not offer, or cannot answer, stays with the disk.
import { readFile, writeFile } from 'node:fs/promises';
import type * as acp from '@agentclientprotocol/sdk';
import type { FileAccess } from '../../runtime/thread-ports.ts';

export type EditorFilesOptions = {
  editor: () => acp.AgentContext | null;
  sessionId: string;
  capabilities: acp.FileSystemCapabilities;
  log: (line: string) => void;
};

/** The editor's FileAccess, or null when it offers neither reading nor writing. */
export function editorFiles(options: EditorFilesOptions): FileAccess | null {
  const { capabilities: can, sessionId, log } = options;
  if (!can.readTextFile && !can.writeTextFile) return null;
  return {
    name: 'the editor',
    async readText(path) {
      const editor = options.editor();
      if (can.readTextFile && editor) {
        try {
          return (await editor.request('fs/read_text_file', { sessionId, path })).content;
        } catch (err) {
          log(`fs/read_text_file ${path} failed (${describe(err)}); reading the disk`);
        }
      }
      return readFile(path, 'utf8').catch(() => null);
    },
    async writeText(path, content) {
      const editor = options.editor();
      if (can.writeTextFile && editor) {
        await editor.request('fs/write_text_file', { sessionId, path, content });
        return;
      }
      await writeFile(path, content);
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String((err as { message?: unknown }).message ?? err);
}
