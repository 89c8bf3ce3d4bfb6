// The slash commands Yoke offers an editor (`available_commands_update`) and what each does:
// /compact compacts the thread's context (a turn of its own); /review is a review turn
// (review/start: Yoke's review instructions, the diff, and Codex's findings rendered as text);
// /init is a prompt.
import type * as acp from '@agentclientprotocol/sdk';
import type { UserInput } from '../../protocol/items.ts';
import type { ReviewTarget } from '../../protocol/methods-review.ts';

export const AVAILABLE_COMMANDS: acp.AvailableCommand[] = [
  { name: 'compact', description: 'Summarize the conversation to free context' },
  {
    name: 'init',
    description: 'Write an AGENTS.md with instructions for agents working in this repository',
  },
  {
    name: 'review',
    description: 'Review the uncommitted changes for bugs and risks (changes nothing)',
    input: { hint: 'what to focus on (optional)' },
  },
];

const INIT =
  'Create an AGENTS.md file at the root of this repository for coding agents that work in it. ' +
  'Look around first. Cover: how to build, test and lint; the layout of the code; the conventions ' +
  'to follow; anything surprising. Keep it short and concrete. If an AGENTS.md exists, improve it.';

export type Expanded =
  | { kind: 'compact' }
  | { kind: 'review'; target: ReviewTarget }
  | { kind: 'prompt'; input: UserInput[] };

/** A prompt that starts with one of the commands, expanded; null for any other prompt. */
export function expandCommand(input: readonly UserInput[]): Expanded | null {
  const first = input[0];
  if (first?.type !== 'text') return null;
  const match = /^\/(\w+)(?:\s+([\s\S]*))?$/.exec(first.text.trim());
  if (!match) return null;
  const argument = match[2]?.trim() ?? '';
  const rest = input.slice(1);
  const prompt = (text: string): Expanded => ({
    kind: 'prompt',
    input: [{ type: 'text', text, text_elements: [] }, ...rest],
  });
  switch (match[1]) {
    case 'compact':
      return { kind: 'compact' };
    case 'init':
      return prompt(argument ? `${INIT}\n\n${argument}` : INIT);
    case 'review':
      // With a focus: still the uncommitted changes, reviewed with the editor's words added.
      return {
        kind: 'review',
        target: argument
          ? {
              type: 'custom',
              instructions: `Review the uncommitted changes in this repository (staged, unstaged and untracked files: see \`git status\` and \`git diff HEAD\`). Focus on: ${argument}`,
            }
          : { type: 'uncommittedChanges' },
      };
    default:
      return null;
  }
}
