// What an editor offers an ACP agent besides the conversation, for tests: open buffers whose
// text differs from the disk (fs/read_text_file, fs/write_text_file — writes stay in the
// buffer, as in an editor before saving) and terminals that run real processes (terminal/*).
import { spawn, type ChildProcess } from 'node:child_process';
import type * as acp from '@agentclientprotocol/sdk';

type Terminal = {
  child: ChildProcess;
  output: string;
  exit: Promise<{ exitCode: number | null; signal: string | null }>;
  status: { exitCode: number | null; signal: string | null } | null;
};

export type EditorHost = {
  /** Open buffers by absolute path (unsaved text); reads of other files go to the disk. */
  buffers: Map<string, string>;
  reads: string[];
  writes: { path: string; content: string }[];
  /** Every terminal/create, as asked. */
  created: acp.CreateTerminalRequest[];
  released: number;
  /** Resolves once `count` terminals were created. */
  waitForTerminals: (count: number) => Promise<void>;
  serve: (app: acp.ClientApp) => acp.ClientApp;
  close: () => void;
};

export function editorHost(disk: (path: string) => string | null): EditorHost {
  const terminals = new Map<string, Terminal>();
  const waiters = new Set<() => void>();
  const host: EditorHost = {
    buffers: new Map(),
    reads: [],
    writes: [],
    created: [],
    released: 0,
    waitForTerminals: (count) =>
      new Promise((resolve) => {
        const check = () => {
          if (host.created.length < count) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    serve: (app) =>
      app
        .onRequest('fs/read_text_file', ({ params }) => {
          host.reads.push(params.path);
          const text = host.buffers.get(params.path) ?? disk(params.path);
          if (text === null) throw new Error(`no such file: ${params.path}`);
          return { content: text };
        })
        .onRequest('fs/write_text_file', ({ params }) => {
          host.writes.push({ path: params.path, content: params.content });
          host.buffers.set(params.path, params.content);
          return {};
        })
        .onRequest('terminal/create', ({ params }) => {
          host.created.push(params);
          const child = spawn(params.command, params.args ?? [], {
            cwd: params.cwd ?? undefined,
            // As an editor does: its own environment (with a secret in it), plus what is asked.
            env: {
              ...process.env,
              EDITOR_SECRET: 'hunter2',
              ...Object.fromEntries((params.env ?? []).map((v) => [v.name, v.value])),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: true,
          });
          const terminal: Terminal = {
            child,
            output: '',
            status: null,
            exit: new Promise((resolve) =>
              child.on('close', (exitCode, signal) => {
                terminal.status = { exitCode, signal };
                resolve(terminal.status);
              }),
            ),
          };
          const add = (chunk: Buffer) => (terminal.output += chunk.toString('utf8'));
          child.stdout!.on('data', add);
          child.stderr!.on('data', add);
          const terminalId = `term-${host.created.length}`;
          terminals.set(terminalId, terminal);
          for (const w of [...waiters]) w();
          return { terminalId };
        })
        .onRequest('terminal/output', ({ params }) => {
          const t = terminals.get(params.terminalId)!;
          return { output: t.output, truncated: false, exitStatus: t.status };
        })
        .onRequest('terminal/wait_for_exit', async ({ params }) => {
          return await terminals.get(params.terminalId)!.exit;
        })
        .onRequest('terminal/kill', ({ params }) => {
          killGroup(terminals.get(params.terminalId)!.child);
          return {};
        })
        .onRequest('terminal/release', ({ params }) => {
          const t = terminals.get(params.terminalId);
          if (t) killGroup(t.child);
          terminals.delete(params.terminalId);
          host.released++;
          return {};
        }),
    close: () => {
      for (const t of terminals.values()) killGroup(t.child);
    },
  };
  return host;
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
