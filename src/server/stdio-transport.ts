// The server side of stdio: JSONL on stdin → messages, messages → JSONL on stdout. A line over
// the limit is answered with -32600 and skipped; reading goes on at the next line. End of stdin
// (or a broken stdout) closes the transport.
import type { Readable, Writable } from 'node:stream';
import { encodeError, RpcErrorCode } from '../protocol/jsonrpc.ts';
import { encodeLine, JsonlDecoder } from '../protocol/jsonl.ts';
import type { MessageTransport } from '../protocol/transport.ts';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export type StdioTransportOptions = {
  input?: Readable;
  output?: Writable;
  maxLineBytes?: number;
};

export function createStdioTransport(options: StdioTransportOptions = {}): MessageTransport {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;

  const messageHandlers: ((text: string) => void)[] = [];
  const closeHandlers: ((reason: string) => void)[] = [];
  const drainHandlers: (() => void)[] = [];
  let closed = false;

  const send = (text: string): boolean => {
    if (closed) return true;
    return output.write(encodeLine(text));
  };

  const decoder = new JsonlDecoder(maxLineBytes, {
    onLine: (line) => {
      for (const h of messageHandlers) h(line);
    },
    onOversize: (bytes) => {
      send(
        encodeError(null, {
          code: RpcErrorCode.invalidRequest,
          message: `message too large: ${bytes} bytes; the limit is ${maxLineBytes} bytes per line`,
        }),
      );
    },
  });

  const onData = (chunk: Buffer | string) => {
    if (closed) return;
    decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  };
  const onEnd = () => {
    decoder.end();
    finish('stdin closed');
  };
  const onInputError = (err: Error) => finish(`stdin failed: ${err.message}`);
  // EPIPE and friends: the client is gone.
  const onOutputError = (err: Error) => finish(`stdout failed: ${err.message}`);
  const onDrain = () => {
    for (const h of drainHandlers) h();
  };

  input.on('data', onData);
  input.on('end', onEnd);
  input.on('error', onInputError);
  output.on('error', onOutputError);
  output.on('drain', onDrain);
  // Input the start-up stage read first: it paused the stream (a 'data' listener alone does
  // not resume a paused one), and if it ended then, there is no 'end' left to emit.
  input.resume();
  if (input.readableEnded) queueMicrotask(onEnd);

  function finish(reason: string): void {
    if (closed) return;
    closed = true;
    input.off('data', onData);
    input.off('end', onEnd);
    input.off('error', onInputError);
    output.off('drain', onDrain);
    // Keep an error listener on stdout: a late EPIPE must not become an uncaught exception.
    output.off('error', onOutputError);
    output.on('error', () => {});
    input.pause();
    for (const h of closeHandlers.splice(0)) h(reason);
  }

  return {
    send,
    onMessage: (h) => void messageHandlers.push(h),
    onClose: (h) => void closeHandlers.push(h),
    onDrain: (h) => void drainHandlers.push(h),
    close: (reason = 'closed') => finish(reason),
  };
}
