// Collects a process's output as UTF-8 text, bounded: past the cap it keeps the head and a
// rolling tail, so a command that prints a gigabyte costs a few megabytes.
import { StringDecoder } from 'node:string_decoder';

const DEFAULT_CAP = 8 * 1024 * 1024;

export class OutputCapture {
  totalBytes = 0;
  private readonly decoder = new StringDecoder('utf8');
  private head = '';
  private headBytes = 0;
  private tail: string[] = [];
  private tailBytes = 0;
  private readonly half: number;

  constructor(cap = DEFAULT_CAP) {
    this.half = Math.floor(cap / 2);
  }

  /** Adds a chunk and returns its decoded text (for live streaming). */
  push(chunk: Buffer): string {
    this.totalBytes += chunk.length;
    const text = this.decoder.write(chunk);
    this.keep(text, chunk.length);
    return text;
  }

  flush(): string {
    const text = this.decoder.end();
    if (text) this.keep(text, Buffer.byteLength(text));
    return text;
  }

  text(): string {
    if (this.tail.length === 0) return this.head;
    const kept = this.headBytes + this.tailBytes;
    const omitted = this.totalBytes - kept;
    const marker = omitted > 0 ? `\n[… ${omitted} bytes of output not kept …]\n` : '';
    return this.head + marker + this.tail.join('');
  }

  private keep(text: string, bytes: number): void {
    if (this.headBytes < this.half) {
      this.head += text;
      this.headBytes += bytes;
      return;
    }
    this.tail.push(text);
    this.tailBytes += bytes;
    while (this.tailBytes > this.half && this.tail.length > 1) {
      const dropped = this.tail.shift()!;
      this.tailBytes -= Buffer.byteLength(dropped);
    }
  }
}
