// A benchmark's view into the live heap of a process it started with `--inspect=127.0.0.1:0`:
// a forced garbage collection, then process.memoryUsage(), over the V8 inspector protocol
// (loopback only). The process under measurement needs no debug method of its own.
import { createWriteStream } from 'node:fs';
import WebSocket from 'ws';

export type LiveMemory = { heapUsed: number; heapTotal: number; external: number; rss: number };

export const INSPECTOR_LINE = /^Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)$/;

export class Inspector {
  private nextId = 1;
  private readonly waiting = new Map<number, (message: InspectorMessage) => void>();
  private chunkSink: ((chunk: string) => void) | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as InspectorMessage;
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk')
        this.chunkSink?.((message.params as { chunk: string }).chunk);
      if (message.id === undefined) return;
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
  }

  static async connect(url: string): Promise<Inspector> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new Inspector(socket);
  }

  send(method: string, params: object = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (message) =>
        message.error
          ? reject(new Error(`${method}: ${message.error.message}`))
          : resolve(message.result ?? {}),
      );
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Memory in MiB after a full garbage collection: what is really retained. */
  async liveMemory(): Promise<LiveMemory> {
    await this.send('HeapProfiler.collectGarbage');
    const evaluated = await this.send('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    const usage = JSON.parse((evaluated.result as { value: string }).value) as LiveMemory;
    const mib = (bytes: number) => bytes / 1024 / 1024;
    return {
      heapUsed: mib(usage.heapUsed),
      heapTotal: mib(usage.heapTotal),
      external: mib(usage.external),
      rss: mib(usage.rss),
    };
  }

  /** Writes a heap snapshot (open it in Chrome DevTools → Memory to compare two). */
  async heapSnapshot(path: string): Promise<void> {
    const out = createWriteStream(path);
    this.chunkSink = (chunk) => out.write(chunk);
    try {
      await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      this.chunkSink = null;
      await new Promise((resolve) => out.end(resolve));
    }
  }

  close(): void {
    this.socket.close();
  }
}

type InspectorMessage = {
  id?: number;
  method?: string;
  params?: unknown;
  result?: Record<string, unknown>;
  error?: { message: string };
};
