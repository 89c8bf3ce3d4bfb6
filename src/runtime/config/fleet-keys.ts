// Config keys of the fleet (docs/fleet.md): `yoke serve` as a front and `yoke worker` on a
// shared PostgreSQL store and a BullMQ queue on Redis. A URL with a password is best kept out
// of the file: `env:NAME` reads it from that environment variable, `file:PATH` from a file.
//
//   [fleet]
//   store = "file:/etc/yoke/store-url"    # postgres://user:password@host:5432/yoke
//   queue = "env:YOKE_QUEUE_URL"          # redis://:password@host:6379
//   lock_duration_ms = 15000              # a worker's hold on a task unless renewed
//   stalled_interval_ms = 5000            # how often workers look for a dead worker's tasks
import type * as z from 'zod';
import { durationMs, int, nonEmpty, table } from './table.ts';

export const fleetKeys = {
  fleet: table({
    store: nonEmpty,
    queue: nonEmpty,
    lock_duration_ms: durationMs(1000),
    stalled_interval_ms: durationMs(500),
    max_stalls: int(1, 100),
  }),
};

export type FleetKeys = z.infer<(typeof fleetKeys)['fleet']>;
