// The fleet options `yoke serve` (a front) and `yoke worker` share: where the shared store and
// queue are (flags, YOKE_STORE / YOKE_QUEUE, or [fleet] in config.toml), opened with one clear
// error when they cannot be reached. docs/fleet.md walks through it.
import type { ResolvedConfig } from '../../runtime/config.ts';
import { fleetSettings, openFleet, type Fleet } from '../../runtime/fleet.ts';
import { UsageError, type OptionSpec } from './args.ts';

export const FLEET_OPTIONS = {
  store: {
    type: 'string',
    value: 'URL',
    help:
      'the shared PostgreSQL store: postgres://…, env:NAME or file:PATH\n' +
      '(default: $YOKE_STORE, or fleet.store in config.toml)',
  },
  queue: {
    type: 'string',
    value: 'URL',
    help:
      'the shared queue, BullMQ on Redis: redis://…, env:NAME or file:PATH\n' +
      '(default: $YOKE_QUEUE, or fleet.queue in config.toml)',
  },
} as const satisfies Record<string, OptionSpec>;

export const FLEET_FOOTER =
  'A URL with a password is best passed as env:NAME (read from that variable) or file:PATH (the\n' +
  "file's first line): on the command line other users can read it. Yoke prints URLs without\n" +
  'their passwords. Lock settings: fleet.lock_duration_ms, fleet.stalled_interval_ms.';

/**
 * Opens this process's part of a fleet, or answers null when no store and no queue is given
 * (a front only: a worker requires both).
 */
type Flags = { store?: string | undefined; queue?: string | undefined };
type Options = { concurrency?: number | undefined; log: (line: string) => void };

export function openFleetFor(
  role: 'worker',
  config: ResolvedConfig,
  flags: Flags,
  options: Options,
): Promise<Fleet>;
export function openFleetFor(
  role: 'front',
  config: ResolvedConfig,
  flags: Flags,
  options: Options,
): Promise<Fleet | null>;
export async function openFleetFor(
  role: 'front' | 'worker',
  config: ResolvedConfig,
  flags: Flags,
  options: Options,
): Promise<Fleet | null> {
  const warn = (line: string) => process.stderr.write(`warning: ${line}\n`);
  const { store, queue, timings } = fleetSettings(config, flags, process.env, warn);
  const command = role === 'front' ? 'yoke serve' : 'yoke worker';
  if (store === null && queue === null && role === 'front') return null;
  if (store === null)
    throw new UsageError(
      `${command} needs the fleet's shared store: --store postgres://… (or $YOKE_STORE, or ` +
        'fleet.store in config.toml); a worker never runs without one',
    );
  if (queue === null)
    throw new UsageError(
      `${command} needs the fleet's queue: --queue redis://… (or $YOKE_QUEUE, or fleet.queue ` +
        'in config.toml)',
    );
  return openFleet({
    role,
    settings: { store, queue, timings },
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    log: options.log,
  });
}
