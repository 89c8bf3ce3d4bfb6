// The options of `yoke exec`: the one table its parser and its --help come from.
import { SandboxMode } from '../../protocol/thread.ts';
import { DEFAULT_MODEL } from '../../runtime/config.ts';
import { choiceOption, command, COMMON_OPTIONS } from './args.ts';

export const EXEC = command({
  name: 'exec',
  usage: [
    'yoke exec [OPTIONS] [PROMPT]',
    'yoke exec [OPTIONS] resume (<THREAD_ID> | --last) [PROMPT]',
  ],
  description:
    'Runs an agent on the repository in the current directory until it gives its final answer.\n' +
    'The prompt comes from PROMPT, or from standard input when PROMPT is "-" or absent.',
  options: {
    model: {
      type: 'string',
      short: 'm',
      value: 'MODEL',
      help: `model to use (default: config, then ${DEFAULT_MODEL})`,
    },
    provider: {
      type: 'string',
      value: 'NAME',
      help: 'model provider from config.toml (default: openai)',
    },
    cd: COMMON_OPTIONS.cd,
    json: {
      type: 'boolean',
      aliases: ['experimental-json'],
      help: 'print JSONL events (the `codex exec --json` shape)',
    },
    'output-last-message': {
      type: 'string',
      short: 'o',
      value: 'FILE',
      help: 'write the final message to FILE',
    },
    'output-schema': {
      type: 'string',
      value: 'FILE',
      help: 'JSON Schema the final answer must follow',
    },
    ephemeral: { type: 'boolean', help: 'do not store the thread' },
    sandbox: choiceOption('s', SandboxMode.options),
    'full-auto': {
      type: 'boolean',
      help: 'run sandboxed without asking: --sandbox workspace-write',
    },
    'dangerously-bypass-approvals-and-sandbox': {
      type: 'boolean',
      help: 'no sandbox and no approvals at all (danger-full-access)',
    },
    'add-dir': {
      type: 'string',
      value: 'DIR',
      multiple: true,
      help: 'another directory commands may write to',
    },
    image: {
      type: 'string',
      short: 'i',
      value: 'FILE',
      multiple: true,
      help: 'attach an image to the prompt',
    },
    config: COMMON_OPTIONS.config,
    'skip-git-repo-check': { type: 'boolean', help: 'allow running outside a git repository' },
    color: {
      type: 'string',
      value: 'WHEN',
      choices: ['always', 'never', 'auto'],
      help: 'colour the progress on stderr: always | never | auto (default)',
    },
    last: { type: 'boolean', help: 'with resume: continue the most recent thread' },
    'thread-source': {
      type: 'string',
      value: 'SOURCE',
      help: 'accepted for @openai/codex-sdk compatibility; no effect',
    },
    'cyber-access-program': {
      type: 'string',
      value: 'NAME',
      help: 'accepted for @openai/codex-sdk compatibility; no effect',
    },
  },
  footer:
    'Environment: OPENAI_API_KEY and OPENAI_BASE_URL select an OpenAI-compatible endpoint with no\n' +
    'config file; YOKE_HOME moves all state (default ~/.yoke). Exit status: 0 when the turn\n' +
    'completed, 1 when it failed, 130 when interrupted, 2 for bad usage or configuration.',
});
