// JSONL framing for stdio: one message per line, "\n" or "\r\n" terminated. Works on raw bytes
// so a multi-byte character split across two reads is never corrupted ("\n" never occurs inside
// a UTF-8 sequence), and keeps a line's pieces as a list until its end arrives, so a 50 MiB line
// costs one copy, not one per read.

export type JsonlHandlers = {
  onLine: (line: string) => void;
  /** A line longer than the limit was dropped; reading resumes at the next line. */
  onOversize: (bytes: number) => void;
};

export class JsonlDecoder {
  private parts: Uint8Array[] = [];
  private size = 0;
  /** Set while skipping the rest of an oversized line. */
  private discarding = false;
  private readonly utf8 = new TextDecoder();

  constructor(
    private readonly maxLineBytes: number,
    private readonly handlers: JsonlHandlers,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      this.append(chunk.subarray(start, end));
      if (nl === -1) return;
      this.finishLine();
      start = nl + 1;
    }
  }

  /** End of input: a last line without a newline still counts. */
  end(): void {
    if (this.size > 0 || this.discarding) this.finishLine();
  }

  private append(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.size += piece.length;
    if (this.discarding) return;
    if (this.size > this.maxLineBytes) {
      this.discarding = true;
      this.parts = [];
      return;
    }
    // Copy: the stream may reuse its buffer after this call.
    this.parts.push(piece.slice());
  }

  private finishLine(): void {
    const size = this.size;
    const parts = this.parts;
    const oversize = this.discarding;
    this.parts = [];
    this.size = 0;
    this.discarding = false;
    if (oversize) {
      this.handlers.onOversize(size);
      return;
    }
    let bytes: Uint8Array;
    if (parts.length === 1) bytes = parts[0]!;
    else {
      bytes = new Uint8Array(size);
      let at = 0;
      for (const p of parts) {
        bytes.set(p, at);
        at += p.length;
      }
    }
    let line = this.utf8.decode(bytes);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') return;
    this.handlers.onLine(line);
  }
}

/** One message as a JSONL line. JSON.stringify never emits a raw newline, so this is safe. */
export const encodeLine = (text: string): string => `${text}\n`;
