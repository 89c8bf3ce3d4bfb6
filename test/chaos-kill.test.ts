// Chaos: the server is killed with SIGKILL in the middle of a scripted 30-step turn, at a point
// chosen from a seed (test/support/chaos-run.ts says what each run checks). The suite runs one
// seeded run of each kind; `npm run chaos` runs 50 and prints the figures.
//   CHAOS_RUNS=N CHAOS_SEED=S npm test -- test/chaos-kill.test.ts
import { test } from 'node:test';
import { chaosRun, planFor } from './support/chaos-run.ts';

const RUNS = Number(process.env.CHAOS_RUNS ?? 6);
const SEED = Number(process.env.CHAOS_SEED ?? 20261127);

test(
  `kill -9 at a seeded moment of a 30-step turn, ${RUNS} runs from seed ${SEED}`,
  { timeout: 60_000 + RUNS * 60_000 },
  async (t) => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const plan = planFor(SEED + i, i);
      await t.test(
        `run ${i + 1}: seed ${plan.seed}, ${plan.kind}${plan.step ? ` at step ${plan.step}` : ''}${plan.nth ? ` after notification ${plan.nth}` : ''}`,
        async (r) => {
          const result = await chaosRun(plan, r);
          times.push(result.ms);
          r.diagnostic(
            `killed with the history at step ${result.stepAtKill}; ${result.itemsSeen} items seen; went on in a ${result.resumedBy}; next request: ${result.prefix}; ${result.ms} ms`,
          );
        },
      );
    }
    const sorted = [...times].sort((a, b) => a - b);
    t.diagnostic(
      `${times.length} runs: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`,
    );
  },
);
