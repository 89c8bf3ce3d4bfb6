// The start-up stage of `yoke app-server` on stdio (dist/yoke-boot.cjs, a few kilobytes): it
// answers the client's `initialize` before the rest of Yoke loads, then loads it. The rest is
// dist/yoke.cjs, a megabyte of code and its config and method schemas: about two thirds of the
// time to a first answer. A client (the Codex IDE extension spawns `codex app-server` and
// sends `initialize` at once) gets its handshake answered in about the time Node itself takes
// to start, and its next requests wait in the pipe while the rest loads.
//
// The stage answers only what it can answer exactly as the method table would, and answers
// nothing otherwise:
// - the first line is a plainly shaped `initialize` (initialize.ts: plainHandshake); anything
//   else, a partial line, or no input yet when the first input has been polled, and the rest
//   of Yoke starts as it always did, with every byte read so far given back to stdin;
// - the store opens and passes its check (db.ts: openDb) before the answer, as it does on the
//   full path: a damaged store is still one line on stderr with nothing served. When it does
//   not open, the full path opens it again and says why.
// A configuration error is the one thing reported after the handshake rather than before:
// the process then prints it and exits, as it would have.
import { decodeMessage, encodeResult } from '../../protocol/jsonrpc.ts';
import { encodeLine } from '../../protocol/jsonl.ts';
import { initializeResult, plainHandshake } from '../../server/initialize.ts';
import { openHomeStore, type ThreadStore } from '../../runtime/home-store.ts';
import { yokeHome } from '../../runtime/yoke-home.ts';
import { handOff, type AppServerHandoff } from './app-server-handoff.ts';

// `yoke --version` is answered from this small bundle too (bin/yoke.js), not the whole CLI.
export { CLI_VERSION } from '../../runtime/version.ts';

/**
 * Runs `yoke app-server ARGS`: answers the handshake first when ARGS serve stdio, then calls
 * `loadCli` (which runs the full command, picking up the handoff).
 */
export function bootAppServer(args: readonly string[], loadCli: () => void): void {
  if (!servesStdio(args)) return loadCli();
  const stdin = process.stdin;
  // What was read and not answered: given back to the stream for the full server.
  let unread: Buffer | null = null;
  let settled = false;
  const settle = (handoff: AppServerHandoff | null, why: string) => {
    if (settled) return;
    settled = true;
    // YOKE_DEBUG_START=1: which way the start went (tests check it; so can a puzzled user).
    if (process.env.YOKE_DEBUG_START === '1')
      process.stderr.write(`yoke: start-up stage: ${why}\n`);
    stdin.off('data', onData);
    stdin.pause();
    clearImmediate(idle);
    // Back into the stream, ahead of what is still to come: the full server reads it next.
    if (unread && unread.length > 0) stdin.unshift(unread);
    if (handoff) handOff(handoff);
    loadCli();
  };
  // The first read decides: it settles one way or the other.
  const onData = (chunk: Buffer) => {
    unread = chunk;
    const nl = chunk.indexOf(10);
    if (nl === -1) return settle(null, 'declined: the first read holds no whole line');
    const answered = answerInitialize(chunk.subarray(0, nl));
    if (typeof answered === 'string') return settle(null, `declined: ${answered}`);
    unread = chunk.subarray(nl + 1);
    settle(answered, 'answered initialize');
  };
  stdin.on('data', onData);
  // Input already in the pipe arrives in the event loop's first poll, before this: nothing by
  // then, and waiting idle would only delay the rest.
  const idle = setImmediate(() => settle(null, 'declined: no input yet'));
}

/** `yoke app-server` with nothing but config overrides: a stdio server. */
function servesStdio(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '--config') {
      if (++i === args.length) return false;
    } else if (!arg.startsWith('--config=')) return false;
  }
  return true;
}

/** Answers `line` when it is a plain initialize and the store opens: the handoff, or why not. */
function answerInitialize(line: Uint8Array): AppServerHandoff | string {
  const message = decodeMessage(new TextDecoder().decode(line));
  if (message.kind !== 'request' || message.method !== 'initialize')
    return 'the first line is not an initialize request';
  const handshake = plainHandshake(message.params);
  if (!handshake) return 'initialize params of another shape';
  const home = yokeHome();
  let store: ThreadStore;
  try {
    store = openHomeStore(home);
  } catch {
    return 'the store does not open';
  }
  process.stdout.write(encodeLine(encodeResult(message.id, initializeResult(home))));
  return { home, handshake, store };
}
