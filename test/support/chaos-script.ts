// The chaos runs' model: a scripted 30-step turn that is a pure function of the request, so a
// server killed at any moment and restarted picks up where the stored history says it was.
// The step comes from the last tool call in the request ("step N" in its arguments); each
// step is one kind of work — a command, a patch, a streamed message with a command, a command
// that asks for approval — and the model's compaction summaries are answered too.
import type { RecordedRequest, ScriptEntry } from './mock-model.ts';
import { paced, step, text, toolCall } from './mock-model.ts';

export const STEPS = 30;
export const FINAL_ANSWER = `All ${STEPS} steps done.`;
export const KILL_KINDS = ['stream', 'command', 'patch', 'compaction', 'approval', 'any'] as const;
export type KillKind = (typeof KILL_KINDS)[number];

/** The long command's tail, unique enough to find its process by. */
export const LONG_SLEEP = 'sleep 20.2026';

export type StepKind = 'command' | 'patch' | 'stream' | 'approval';

/** What step `n` (1…STEPS) does. */
export function stepKind(n: number): StepKind {
  return (['approval', 'command', 'patch', 'stream'] as const)[n % 4]!;
}

type InputItem = {
  type?: string;
  role?: string;
  arguments?: string;
  content?: { text?: string }[];
};

const inputOf = (r: RecordedRequest): InputItem[] =>
  ((r.json as { input?: InputItem[] } | undefined)?.input ?? []) as InputItem[];

/** A compaction summary request (the model is asked for a hand-off summary, with no tools). */
export function isSummaryRequest(r: RecordedRequest): boolean {
  const last = inputOf(r).at(-1);
  return (
    last?.type === 'message' &&
    (last.content ?? []).some((c) => (c.text ?? '').startsWith('Context checkpoint.'))
  );
}

/** The step the request's history has reached (0: none yet). */
export function stepReached(r: RecordedRequest): number {
  const calls = inputOf(r).filter((i) => i.type === 'function_call');
  const match = /step (\d+)/.exec(calls.at(-1)?.arguments ?? '');
  return match ? Number(match[1]) : 0;
}

export type ScriptHooks = {
  /** The command of step n runs until the server dies (a kill "during a command"). */
  longCommandAt: number | null;
  /** Holds step n's streamed message after its first deltas (a kill "during a stream"). */
  holdStreamAt: number | null;
  /** Holds the first compaction summary mid-stream (a kill "during a compaction"). */
  holdSummary: boolean;
  /** Never resolves until the run is over: what a held stream waits on. */
  held: Promise<void>;
};

export function chaosScript(hooks: ScriptHooks): (r: RecordedRequest) => ScriptEntry {
  let summaries = 0;
  return (request) => {
    if (isSummaryRequest(request)) {
      summaries++;
      const summary = text(
        `Summary #${summaries}: the work is at step ${stepReached(request)} of ${STEPS}; carry on with the next step.`,
        { chunks: 6 },
      );
      if (hooks.holdSummary && summaries === 1)
        return paced(summary, (frame) => (frame === 4 ? hooks.held : undefined));
      return summary;
    }
    const n = stepReached(request) + 1;
    if (n > STEPS) return text(FINAL_ANSWER, { chunks: 4 });
    switch (stepKind(n)) {
      case 'command': {
        const command =
          hooks.longCommandAt === n ? `echo begun step ${n}; ${LONG_SLEEP}` : `echo step ${n}`;
        return toolCall('shell', { command, timeout_ms: 30_000 });
      }
      case 'patch':
        return toolCall('apply_patch', {
          input: `*** Begin Patch\n*** Add File: step-${n}.txt\n+step ${n}\n*** End Patch`,
        });
      case 'approval':
        return toolCall('shell', {
          command: `touch escalated-step-${n}.txt`,
          sandbox_permissions: 'require_escalated',
          justification: `step ${n} writes outside the sandbox`,
        });
      case 'stream': {
        const message = text(`Working on step ${n}: checking the files written so far.`, {
          chunks: 8,
        });
        const entry = step(message, toolCall('shell', { command: `ls; echo step ${n}` }));
        if (hooks.holdStreamAt === n)
          return paced(entry, (frame) => (frame === 6 ? hooks.held : undefined));
        return entry;
      }
    }
  };
}
