// command/exec with a terminal (`tty`): the command runs under yoke-pty (native/pty.c), which
// gives it a pseudo-terminal of its own and reads input, window sizes and end of input as
// frames on its stdin. It runs where the command would have run, in the sandbox when there is
// one, so nothing about the sandbox changes; the terminal's output comes back as stdout.
import { findNativeHelper } from '../sandbox/native-helper.ts';

export type TerminalSize = { rows: number; cols: number };

/** The size a terminal gets when the client names none (as a terminal emulator opens). */
export const DEFAULT_TERMINAL_SIZE: TerminalSize = { rows: 24, cols: 80 };

/** The most rows or columns yoke-pty accepts. */
export const MAX_TERMINAL_SIDE = 10_000;

/** Largest input frame yoke-pty reads; longer input is sent as several. */
const FRAME_MAX = 1 << 20;

/** The yoke-pty binary, or null when it was not built (no C compiler) or YOKE_PTY=off. */
export function ptyHelper(env: NodeJS.ProcessEnv = process.env): string | null {
  return findNativeHelper('yoke-pty', 'YOKE_PTY', env);
}

/** The argv that runs `argv` on a new terminal of `size`. */
export function onTerminal(helper: string, argv: string[], size: TerminalSize): string[] {
  return [helper, String(size.rows), String(size.cols), '--', ...argv];
}

/** The frames yoke-pty reads on its stdin. */
export const terminalFrames = {
  input(bytes: Buffer): Buffer {
    const frames: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += FRAME_MAX) {
      const part = bytes.subarray(at, at + FRAME_MAX);
      const head = Buffer.alloc(5);
      head.write('d', 0, 'latin1');
      head.writeUInt32BE(part.length, 1);
      frames.push(head, part);
    }
    return Buffer.concat(frames);
  },
  resize(size: TerminalSize): Buffer {
    const frame = Buffer.alloc(5);
    frame.write('r', 0, 'latin1');
    frame.writeUInt16BE(size.rows, 1);
    frame.writeUInt16BE(size.cols, 3);
    return frame;
  },
  /** The terminal's EOF character (^D), as a user types it: the pipe stays open for resizes. */
  endOfInput(): Buffer {
    return Buffer.from('e', 'latin1');
  },
};

/** Why `size` cannot be a terminal's size, or null. */
export function terminalSizeProblem(size: TerminalSize): string | null {
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_TERMINAL_SIDE;
  return ok(size.rows) && ok(size.cols)
    ? null
    : `rows and cols must be whole numbers from 1 to ${MAX_TERMINAL_SIDE} (got ${size.rows}×${size.cols})`;
}
