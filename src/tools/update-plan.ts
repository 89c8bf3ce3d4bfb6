// update_plan: the model keeps a short plan of steps that surfaces show.
import * as z from 'zod';
import type { TurnPlanStep } from '../protocol/thread.ts';
import type { Tool } from './types.ts';

const schema = z.object({
  explanation: z.string().optional(),
  plan: z
    .array(
      z.object({
        step: z.string().min(1),
        status: z.enum(['pending', 'in_progress', 'completed']),
      }),
    )
    .describe('The whole plan, in order. At most one step is in_progress.'),
});

const STATUS = { pending: 'pending', in_progress: 'inProgress', completed: 'completed' } as const;
const MARK = { pending: '[ ]', in_progress: '[~]', completed: '[x]' } as const;

export const updatePlanTool: Tool<typeof schema> = {
  name: 'update_plan',
  description:
    'Records your plan for the task as a list of short steps with a status each (pending, in_progress, completed). Send the whole plan every time; keep one step in_progress. Use it for tasks with several steps, not for trivial ones.',
  schema,
  mutating: false,
  startItem: (callId, args) => ({ type: 'plan', id: callId, text: renderPlan(args.plan) }),
  async execute(callId, args, ctx) {
    const plan: TurnPlanStep[] = args.plan.map((s) => ({ step: s.step, status: STATUS[s.status] }));
    ctx.progress({ type: 'planUpdated', explanation: args.explanation ?? null, plan });
    return {
      output: 'Plan updated.',
      item: { type: 'plan', id: callId, text: renderPlan(args.plan) },
    };
  },
};

function renderPlan(plan: z.infer<typeof schema>['plan']): string {
  return plan.map((s) => `${MARK[s.status]} ${s.step}`).join('\n');
}
