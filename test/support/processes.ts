// Looking at processes the tests started (through /proc; Linux).
import { readdirSync, readFileSync } from 'node:fs';

/** Waits (bounded) until no live process has `needle` in its command line (zombies count as gone). */
export async function processGone(needle: string): Promise<boolean> {
  const running = () =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .some((pid) => {
        try {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
          return (
            cmd.includes(needle) && !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
          );
        } catch {
          return false;
        }
      });
  for (let i = 0; i < 300 && running(); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return !running();
}
