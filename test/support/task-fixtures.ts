// Helpers for background-task tests: a mock-model script that answers by reading the prompt
// (tasks run in parallel, so their requests interleave), patch builders, repositories with a
// task.toml, and event-driven waits.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { Task } from '../../src/protocol/methods-task.ts';
import type { TaskRunner } from '../../src/runtime/task-service.ts';
import { tempRepo } from './cli.ts';
import {
  text,
  toolCall,
  type MockOutput,
  type MockStep,
  type RecordedRequest,
} from './mock-model.ts';

type InputItem = { type?: string; role?: string; content?: { text?: string }[]; output?: string };

const inputOf = (r: RecordedRequest) =>
  ((r.json as { input?: InputItem[] }).input ?? []) as InputItem[];

/** The text of the last user message of a request. */
export function lastUserText(r: RecordedRequest): string {
  const items = inputOf(r);
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.type === 'message' && item.role === 'user')
      return (item.content ?? []).map((c) => c.text ?? '').join('');
  }
  return '';
}

/** Whether the request answers tool calls (the agent is mid-turn). */
export const afterToolOutput = (r: RecordedRequest): boolean =>
  inputOf(r).at(-1)?.type === 'function_call_output';

/** The outputs of the function calls this request answers, in order. */
export const toolOutputs = (r: RecordedRequest): string[] =>
  inputOf(r)
    .filter((i) => i.type === 'function_call_output')
    .map((i) => String(i.output));

/**
 * A script for agents: after a tool call's output comes back the agent says `done` (its final
 * answer); otherwise `decide` picks the step from the prompt (the last user message).
 */
export function agentScript(
  decide: (prompt: string, request: RecordedRequest) => MockOutput | MockStep,
): (request: RecordedRequest) => MockOutput | MockStep {
  return (request) =>
    afterToolOutput(request)
      ? text(`done: ${toolOutputs(request).at(-1)!.slice(0, 40)}`)
      : decide(lastUserText(request), request);
}

/** apply_patch adding (or, with `update`, replacing the one line of) a file. */
export function writeFilePatch(path: string, content: string): MockOutput {
  const body = content
    .split('\n')
    .map((l) => `+${l}`)
    .join('\n');
  return toolCall('apply_patch', {
    input: `*** Begin Patch\n*** Add File: ${path}\n${body}\n*** End Patch`,
  });
}

export const shell = (command: string): MockOutput => toolCall('shell', { command });

/** A repository with a .yoke/task.toml (and more files). */
export function taskRepo(
  files: Record<string, string>,
  taskToml: string | null,
  t?: { after: (fn: () => void) => void },
): string {
  return tempRepo(taskToml === null ? files : { ...files, '.yoke/task.toml': taskToml }, t);
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** The user's checkout, to compare before and after. */
export function checkoutState(repo: string): string {
  return [
    git(repo, 'rev-parse', 'HEAD'),
    git(repo, 'symbolic-ref', '--short', 'HEAD'),
    git(repo, 'status', '--porcelain', '--untracked-files=all'),
  ].join('\n');
}

/** Resolves with the first task update that matches (checking the current state first). */
export function waitForTask(
  tasks: TaskRunner,
  id: string,
  match: (task: Task) => boolean,
): Promise<Task> {
  return new Promise((resolve) => {
    const off = tasks.onUpdate(({ task }) => {
      if (task.id === id && match(task)) {
        off();
        resolve(task);
      }
    });
    void tasks.read(id).then((now) => {
      if (match(now)) {
        off();
        resolve(now);
      }
    });
  });
}

/**
 * Resolves once `path` exists and is not empty — watching (recursively) the nearest directory
 * above it that exists already, so the file's directory may still be created; no polling.
 */
export function waitForFile(path: string): Promise<string> {
  return new Promise((resolve) => {
    const ready = () => existsSync(path) && readFileSync(path, 'utf8').trim() !== '';
    let dir = dirname(path);
    while (!existsSync(dir)) dir = dirname(dir);
    // Watch first, then look: a file written in between is seen either way.
    const watcher = watch(dir, { recursive: true }, () => {
      if (ready()) done();
    });
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      watcher.close();
      resolve(readFileSync(path, 'utf8').trim());
    };
    if (ready()) done();
  });
}

/** Pids of processes whose command line contains `text` (this process excluded). */
export function processesRunning(text: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const zombie = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
      if (!zombie && cmdline.includes(text)) pids.push(Number(name));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

/**
 * An HTTP barrier on loopback: each request waits until `count` requests have arrived, then
 * all are answered "go". Agents' commands reach it (with network allowed) to prove they run
 * at the same time.
 */
export async function startBarrier(count: number): Promise<{
  port: number;
  arrived: () => number;
  /** Lets everyone waiting through now: a test whose task failed ends instead of hanging. */
  release: () => void;
  close: () => Promise<void>;
}> {
  const waiting: ServerResponse[] = [];
  let arrived = 0;
  const server = createServer((_req, res) => {
    arrived++;
    waiting.push(res);
    if (waiting.length >= count) for (const r of waiting.splice(0)) r.end('go\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arrived: () => arrived,
    release: () => {
      for (const r of waiting.splice(0)) r.end('go\n');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
