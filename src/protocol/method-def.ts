// The shape of one entry of the method table, and the `def()` helper every table file uses.
// Kept apart from methods.ts so the per-area table files can import it without an import cycle
// (methods.ts imports them to merge the table).
import type * as z from 'zod';

export type Direction =
  'clientRequest' | 'clientNotification' | 'serverRequest' | 'serverNotification';

export type Stability = 'stable' | 'experimental';

export type MethodSpec = {
  direction: Direction;
  params: z.ZodType;
  result?: z.ZodType;
  stability: Stability;
  doc: string;
};

/**
 * One entry. Its schemas are given as functions and built on first use: the table has over a
 * hundred methods, and building all their zod schemas up front was a sixth of a command's
 * start-up, while a session uses a dozen of them.
 */
export const def = <
  D extends Direction,
  P extends z.ZodType,
  R extends z.ZodType | undefined = undefined,
>(
  direction: D,
  doc: string,
  params: () => P,
  result?: () => R,
) => {
  let builtParams: P | undefined;
  let builtResult: R | undefined;
  return {
    direction,
    doc,
    stability: 'stable' as const,
    get params(): P {
      return (builtParams ??= params());
    },
    get result(): R {
      return (builtResult ??= result?.() as R);
    },
  };
};
