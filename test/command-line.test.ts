// A command on the wire is the argv that runs, shell-quoted (`bash -c 'touch f && ls'`, Codex's
// form); Yoke's own surfaces show the script (`touch f && ls`) through one function,
// displayedCommand. Splitting gives back exactly the argv that was quoted, and each surface —
// `yoke exec`, the TUI's transcript and approval panel, ACP — shows the bare script.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZERO_USAGE } from '../src/client/thread-view.ts';
import {
  commandLine,
  displayedCommand,
  quoteShellWord,
  splitCommandLine,
} from '../src/protocol/command-line.ts';
import type { CommandExecutionItem } from '../src/protocol/items.ts';
import { toolCallFields } from '../src/surfaces/acp/tool-calls.ts';
import { ExecHumanRenderer } from '../src/surfaces/cli/exec-human.ts';
import { approvalPrompts } from '../src/surfaces/tui/approval-prompts.ts';
import { entryFromItem } from '../src/surfaces/tui/transcript.ts';
import { shellTool } from '../src/tools/shell.ts';

const SCRIPT = 'touch f1.txt && echo step-1';
const WIRE = "bash -c 'touch f1.txt && echo step-1'";

test('quoting and splitting: argv → line → the same argv', { timeout: 10_000 }, () => {
  assert.equal(commandLine(['bash', '-c', SCRIPT]), WIRE);
  assert.equal(quoteShellWord('plain-word_1.txt'), 'plain-word_1.txt');
  assert.equal(quoteShellWord(''), "''");
  assert.equal(quoteShellWord("it's"), `'it'"'"'s'`);
  const awkward = [
    '',
    ' ',
    "it's",
    'a "quoted" word',
    'back\\slash',
    '$HOME `date` $(id)',
    'line one\nline two',
    '*.txt; rm -rf /',
    'tab\there',
    'ünïcödé ✓',
  ];
  for (const word of awkward) {
    const argv = ['bash', '-c', word, word];
    assert.deepEqual(splitCommandLine(commandLine(argv)), argv, JSON.stringify(word));
  }
  // A shell's own quoting, not only ours, splits as a shell would.
  assert.deepEqual(splitCommandLine(`/bin/bash -lc "echo \\"hi\\" \\$X"`), [
    '/bin/bash',
    '-lc',
    'echo "hi" $X',
  ]);
  assert.deepEqual(splitCommandLine('a\\ b  c'), ['a b', 'c']);
  assert.equal(splitCommandLine("echo 'open"), null);
  assert.equal(splitCommandLine('echo "open'), null);
});

test(
  'displayedCommand: the script of a shell -c/-lc wrapper, else the line',
  { timeout: 10_000 },
  () => {
    assert.equal(displayedCommand(WIRE), SCRIPT);
    assert.equal(
      displayedCommand("/bin/bash -lc 'touch codex-was-here.txt && ls'"),
      'touch codex-was-here.txt && ls',
    );
    assert.equal(displayedCommand("/usr/bin/zsh -c 'ls'"), 'ls');
    assert.equal(displayedCommand(commandLine(['sh', '-c', "echo 'x'\nls"])), "echo 'x'\nls");
    // Not a wrapper: shown as it is.
    assert.equal(displayedCommand("git commit -m 'a message'"), "git commit -m 'a message'");
    assert.equal(displayedCommand("python3 -c 'print(1)'"), "python3 -c 'print(1)'");
    assert.equal(displayedCommand("bash -c 'ls' extra"), "bash -c 'ls' extra");
    assert.equal(displayedCommand("bash -c 'unclosed"), "bash -c 'unclosed");
    assert.equal(displayedCommand(SCRIPT), SCRIPT, 'a bare script stays as it is');
  },
);

test(
  'the shell tool’s item: the argv that runs on the wire, the script in its actions',
  { timeout: 10_000 },
  () => {
    const ctx = { cwd: '/repo' } as Parameters<NonNullable<typeof shellTool.startItem>>[2];
    const item = shellTool.startItem!('c1', { command: SCRIPT }, ctx) as CommandExecutionItem;
    assert.equal(item.command, WIRE);
    assert.deepEqual(item.commandActions, [
      { type: 'unknown', command: 'touch f1.txt' },
      { type: 'unknown', command: 'echo step-1' },
    ]);
    const argv = shellTool.startItem!(
      'c2',
      { command: ['ls', '-la', 'my dir'] },
      ctx,
    ) as CommandExecutionItem;
    assert.equal(argv.command, "ls -la 'my dir'");
    assert.equal(displayedCommand(argv.command), "ls -la 'my dir'");
  },
);

const item: CommandExecutionItem = {
  type: 'commandExecution',
  id: 'c1',
  command: WIRE,
  cwd: '/repo',
  processId: null,
  status: 'completed',
  commandActions: [{ type: 'unknown', command: SCRIPT }],
  aggregatedOutput: 'step-1\n',
  exitCode: 0,
  durationMs: 3,
};

test('Yoke’s surfaces show the bare script', { timeout: 10_000 }, () => {
  // yoke exec, for people.
  const err = { text: '', isTTY: false, write: (s: string) => (err.text += s) };
  const out = { text: '', isTTY: false, write: (s: string) => (out.text += s) };
  const exec = new ExecHumanRenderer(err, out, {}, 'never');
  const at = { threadId: 't', turnId: 'u' };
  exec.notification({ method: 'item/started', params: { ...at, item, startedAtMs: 0 } });
  exec.turnEnded('completed', null, ZERO_USAGE, null);
  assert.match(err.text, /^\$ touch f1\.txt && echo step-1$/m);
  assert.doesNotMatch(err.text, /bash -c/);

  // The TUI's transcript and its approval panel.
  assert.equal((entryFromItem(item) as { command: string }).command, SCRIPT);
  const view = {
    approvals: [
      {
        requestId: 7,
        kind: 'command' as const,
        params: { ...at, itemId: 'c1', startedAtMs: 0, command: WIRE, cwd: '/repo' },
      },
    ],
  };
  const [prompt] = approvalPrompts([view as never]);
  assert.equal((prompt as { command: string }).command, SCRIPT);

  // ACP: the tool call's title and raw input.
  const fields = toolCallFields(item);
  assert.equal(fields.title, SCRIPT);
  assert.deepEqual(fields.rawInput, { command: SCRIPT, cwd: '/repo' });
});
