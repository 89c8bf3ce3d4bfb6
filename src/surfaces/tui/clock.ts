// The TUI's clock: what "now" is and a tick every so often, for the elapsed time on the
// "working" line and the ages in the thread picker. The system clock in use; tests pass a
// ManualClock and move it forward themselves, so no test waits on real time.

export type Clock = {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
};

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};

/** A clock that moves only when told to; ticks fire as `advance` passes them. */
export class ManualClock implements Clock {
  private timers = new Set<{ ms: number; next: number; fn: () => void }>();

  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  every(ms: number, fn: () => void): () => void {
    const timer = { ms, next: this.time + ms, fn };
    this.timers.add(timer);
    return () => void this.timers.delete(timer);
  }

  /** Moves time forward by `ms`, firing each tick that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: { ms: number; next: number; fn: () => void } | null = null;
      for (const timer of this.timers)
        if (timer.next <= end && (!due || timer.next < due.next)) due = timer;
      if (!due) break;
      this.time = due.next;
      due.next += due.ms;
      due.fn();
    }
    this.time = end;
  }
}

/** Elapsed time as the working line shows it: 7s, 1m 05s, 1h 02m. */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}
