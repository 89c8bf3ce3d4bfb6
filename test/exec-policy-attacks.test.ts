// Issue 17's exec-policy bypasses as a table: every spelling of a forbidden `git push`
// (test/support/exec-policy-attacks.ts) in every approval mode. What the parser sees through is
// forbidden in every mode; what it cannot see through is asked about, and refused under `never`
// — never run without a word. Then the known-safe list option by option, and the commands that
// must keep running without a prompt.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AskForApproval } from '../src/protocol/thread.ts';
import { decideAction, isKnownSafe, type ActionDecision } from '../src/sandbox/approval-policy.ts';
import { evaluate, parseRules } from '../src/sandbox/exec-policy.ts';
import type { SandboxPolicy } from '../src/sandbox/policy.ts';
import { MORE, NO_PROMPT, SPELLINGS, type Spelling } from './support/exec-policy-attacks.ts';

const rules = parseRules(
  '[[rule]]\nprefix = ["git", "push"]\ndecision = "forbidden"\njustification = "no pushing"\n',
  'rules.toml',
  'user',
);
const WS: SandboxPolicy = {
  type: 'workspace-write',
  writableRoots: ['/repo'],
  tmpDir: '/tmp/t',
  networkAccess: false,
};
const MODES: AskForApproval[] = ['untrusted', 'on-failure', 'on-request', 'never'];
const SEEN = ['forbid', 'forbid', 'forbid', 'forbid'];
const UNSEEN = ['ask', 'ask', 'ask', 'forbid'];

function label(d: ActionDecision): string {
  return d.type === 'run-sandboxed' ? 'run' : d.type === 'run-unsandboxed' ? 'unsandboxed' : d.type;
}

function decideAll(script: string, withRules = rules): string[] {
  const argv = ['bash', '-c', script];
  const execPolicy = evaluate(withRules, argv);
  return MODES.map((mode) =>
    label(decideAction({ mode, policy: WS, request: { kind: 'command', argv }, execPolicy })),
  );
}

function table(title: string, spellings: Spelling[]) {
  describe(title, () => {
    for (const { name, script, see } of spellings)
      test(`${name} → ${see ? 'forbidden in every mode' : 'asked, refused under never'}`, () => {
        assert.deepEqual(decideAll(script), see ? SEEN : UNSEEN, script);
        if (see) assert.match(evaluate(rules, ['bash', '-c', script]).reason, /no pushing/);
      });
  });
}

test('the tables are the issue’s: 23 spellings and 3 that ran with no prompt', () => {
  assert.equal(SPELLINGS.length, 23);
  assert.equal(NO_PROMPT.length, 3);
});
table('the 23 spellings of git push', SPELLINGS);
table('the three forms that ran with no prompt under untrusted', NO_PROMPT);
table('more spellings', MORE);

describe('without rules, none of them is known-safe', () => {
  for (const { name, script } of [...SPELLINGS, ...NO_PROMPT, ...MORE])
    test(name, () => assert.deepEqual(decideAll(script, [])[0], 'ask'));
});

describe('the known-safe list, option by option', () => {
  const safe = [
    'sort -rn -k2 f',
    'sort -t , -k 2,2 -u f',
    'LC_ALL=C sort --reverse --key=2 f',
    'uniq -c f',
    'tree -L 2 -a',
    'rg -n -i --hidden -g "*.ts" foo src',
    "find . -name '*.ts' -type f -maxdepth 2 -print",
    'git --no-pager log --oneline -5',
    'git log -n 3 --format=%H -- src',
    'git diff --stat HEAD~1',
    'git status -sb',
    'git status -uno --porcelain=v1',
    'git branch -a --list "feat/*"',
    'file -b --mime-type x.png',
    'bash -c -- "ls"',
    'bash <<< ls',
  ];
  const unsafe = [
    'sort -o out f',
    'sort --outp=out f',
    'sort --output out f',
    'sort -rno out f',
    'sort -T /tmp f',
    'sort -S 1K --compress-program=sh f',
    'sort --co=sh f',
    'uniq -c in out',
    'tree -o out',
    'file -C -m magic',
    'rg --pre sh x',
    'rg --pre=sh x',
    'rg --hostname-bin=sh x',
    'find . -fprint out',
    'find . -exec cat {} ;',
    'find . -delete',
    'git diff --output=out',
    'git diff --outp=out',
    'git log --ext-diff',
    'git -c core.pager=sh log',
    'git -C /elsewhere status',
    'git --git-dir=x status',
    'git branch new-branch',
    'git branch -D main',
    'GIT_PAGER=sh git log',
    'GIT_EXTERNAL_DIFF=x git diff',
    'PAGER=x git log',
    'FOO=1 ls',
    'BASH_ENV=x bash -c ls',
    'bash --rcfile x -c ls',
    'bash -O extglob -c ls',
    'bash x.sh',
    'eval ls',
    'xargs ls',
    'echo ls | sh',
    'alias ls=ls',
  ];
  for (const script of safe)
    test(`safe: ${script}`, () => assert.equal(isKnownSafe(['bash', '-c', script]), true));
  for (const script of unsafe)
    test(`not safe: ${script}`, () => assert.equal(isKnownSafe(['bash', '-c', script]), false));
});

describe('with a forbidden push, everyday commands still run under never', () => {
  const fine = [
    'git status',
    'git -C sub status',
    'git -c color.ui=never log -1',
    'GIT_TRACE=1 git log -1',
    'make test',
    'npm test',
    'python3 script.py',
    'node build.mjs',
    'ls | xargs wc -l',
    'find . -name "*.ts" -exec wc -l {} +',
    'sort -S 1K --compress-program=gzip big.txt',
    "awk '{ print $1 }' f",
    "sed -e 's/a/b/' f",
    'export NODE_ENV=test; npm test',
    'git rebase --exec "npm test" HEAD~2',
  ];
  for (const script of fine)
    test(script, () => assert.equal(decideAll(script).at(-1), 'run', script));
});
