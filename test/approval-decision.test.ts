// The approval decision as a table: approval mode × exec-policy result × sandbox policy ×
// request → run sandboxed, ask (and then how), run unsandboxed, or forbid.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decideAction,
  decideAfterFailure,
  isKnownSafe,
  looksLikeSandboxDenial,
  needsApproval,
  type ActionDecision,
  type ActionRequest,
} from '../src/sandbox/approval-policy.ts';
import { evaluate, parseRules } from '../src/sandbox/exec-policy.ts';
import type { SandboxPolicy } from '../src/sandbox/policy.ts';
import type { ProcessOutcome } from '../src/sandbox/process-runner.ts';
import type { AskForApproval } from '../src/protocol/thread.ts';

const rules = parseRules(
  `[[rule]]
prefix = ["git", "push"]
decision = "forbidden"
justification = "the runner pushes"

[[rule]]
prefix = ["rm"]
decision = "prompt"

[[rule]]
prefix = ["npm", "install"]
decision = "allow"
`,
  'rules.toml',
  'user',
);

const WS: SandboxPolicy = {
  type: 'workspace-write',
  writableRoots: ['/repo', '/tmp/t'],
  tmpDir: '/tmp/t',
  networkAccess: false,
};
const RO: SandboxPolicy = { type: 'read-only', networkAccess: false };
const FULL: SandboxPolicy = { type: 'danger-full-access' };

const cmd = (script: string, justification?: string): ActionRequest => ({
  kind: 'command',
  argv: ['bash', '-lc', script],
  ...(justification ? { escalation: { justification } } : {}),
});

/** A short label for a decision: run | unsandboxed | ask>run | ask>unsandboxed | forbid. */
function label(d: ActionDecision): string {
  if (d.type === 'run-sandboxed') return 'run';
  if (d.type === 'run-unsandboxed') return 'unsandboxed';
  if (d.type === 'forbid') return 'forbid';
  return `ask>${d.onApprove === 'run-sandboxed' ? 'run' : 'unsandboxed'}`;
}

function decide(mode: AskForApproval, policy: SandboxPolicy, request: ActionRequest) {
  const execPolicy = request.kind === 'command' ? evaluate(rules, request.argv) : undefined;
  return decideAction({ mode, policy, request, ...(execPolicy ? { execPolicy } : {}) });
}

describe('decideAction: commands', () => {
  const MODES: AskForApproval[] = ['untrusted', 'on-failure', 'on-request', 'never'];
  // [request, policy, expected per mode in MODES order]
  const table: [string, ActionRequest, SandboxPolicy, string[]][] = [
    ['safe read', cmd('ls -la && git status'), WS, ['run', 'run', 'run', 'run']],
    ['unknown command', cmd('make test'), WS, ['ask>run', 'run', 'run', 'run']],
    ['allow rule', cmd('npm install left-pad'), WS, ['run', 'run', 'run', 'run']],
    ['prompt rule', cmd('rm -rf build'), WS, ['ask>run', 'ask>run', 'ask>run', 'forbid']],
    ['forbidden rule', cmd('make && git push'), WS, ['forbid', 'forbid', 'forbid', 'forbid']],
    ['forbidden, full access', cmd('git push'), FULL, ['forbid', 'forbid', 'forbid', 'forbid']],
    ['unknown, full access', cmd('make'), FULL, ['ask>run', 'run', 'run', 'run']],
    [
      'escalation',
      cmd('make deploy', 'needs the network'),
      WS,
      ['ask>unsandboxed', 'ask>unsandboxed', 'ask>unsandboxed', 'forbid'],
    ],
    [
      'escalation of an allowed command',
      cmd('npm install', 'needs the registry'),
      WS,
      ['unsandboxed', 'unsandboxed', 'unsandboxed', 'forbid'],
    ],
    ['escalation, full access', cmd('make', 'x'), FULL, ['ask>run', 'run', 'run', 'run']],
    ['escalation of forbidden', cmd('git push', 'x'), WS, ['forbid', 'forbid', 'forbid', 'forbid']],
    [
      'computed word, forbidden possible',
      cmd('git $SUB'),
      RO,
      ['ask>run', 'ask>run', 'ask>run', 'forbid'],
    ],
    [
      'unparseable: every rule that forbids or asks might apply',
      cmd('coproc ls'),
      WS,
      ['ask>run', 'ask>run', 'ask>run', 'forbid'],
    ],
    [
      'a case branch is seen through',
      cmd('case $x in a) git push;; esac'),
      WS,
      ['forbid', 'forbid', 'forbid', 'forbid'],
    ],
    [
      'a case branch that only reads',
      cmd('case $x in a) ls;; esac'),
      WS,
      ['run', 'run', 'run', 'run'],
    ],
  ];
  for (const [name, request, policy, expected] of table)
    test(name, () =>
      assert.deepEqual(
        MODES.map((mode) => label(decide(mode, policy, request))),
        expected,
      ),
    );

  test('reasons and proposed amendments', () => {
    const forbid = decide('on-request', WS, cmd('git push origin'));
    assert.deepEqual(forbid, {
      type: 'forbid',
      reason: '`git push` is forbidden (rule 1 in rules.toml): the runner pushes',
    });
    const untrusted = decide('untrusted', WS, cmd('cargo test --all'));
    assert.deepEqual(untrusted, {
      type: 'ask',
      cause: 'untrusted',
      reason: 'the command is not known to be safe',
      proposedAmendment: ['cargo', 'test', '--all'],
      onApprove: 'run-sandboxed',
    });
    const escalation = decide('on-request', WS, cmd('curl -sO https://x', 'download the fixture'));
    assert.equal(escalation.type === 'ask' && escalation.cause, 'escalation');
    assert.match((escalation as { reason: string }).reason, /download the fixture/);
    const rule = decide('on-failure', WS, cmd('rm -rf build'));
    assert.equal(rule.type === 'ask' && rule.cause, 'rule');
    // Several commands, computed words, or a bare interpreter: nothing to propose.
    for (const script of ['make && make install', 'make $TARGET', 'python3'])
      assert.equal(
        (decide('untrusted', WS, cmd(script)) as { proposedAmendment: unknown }).proposedAmendment,
        null,
      );
    // Without rules the script is still split for the proposal.
    const plain = decideAction({ mode: 'untrusted', policy: WS, request: cmd('cargo build') });
    assert.deepEqual((plain as { proposedAmendment: unknown }).proposedAmendment, [
      'cargo',
      'build',
    ]);
  });
});

describe('decideAction: file changes', () => {
  const patch = (...paths: string[]): ActionRequest => ({ kind: 'fileChange', paths });
  const table: [string, ActionRequest, SandboxPolicy, string[]][] = [
    [
      'inside the workspace',
      patch('/repo/a.ts', '/repo/src/b.ts'),
      WS,
      ['ask>run', 'run', 'run', 'run'],
    ],
    [
      'into .git',
      patch('/repo/.git/hooks/pre-commit'),
      WS,
      ['ask>unsandboxed', 'ask>unsandboxed', 'ask>unsandboxed', 'forbid'],
    ],
    [
      'outside',
      patch('/repo/a.ts', '/etc/hosts'),
      WS,
      ['ask>unsandboxed', 'ask>unsandboxed', 'ask>unsandboxed', 'forbid'],
    ],
    [
      'read-only sandbox',
      patch('/repo/a.ts'),
      RO,
      ['ask>unsandboxed', 'ask>unsandboxed', 'ask>unsandboxed', 'forbid'],
    ],
    ['full access', patch('/etc/hosts'), FULL, ['ask>run', 'run', 'run', 'run']],
  ];
  for (const [name, request, policy, expected] of table)
    test(name, () =>
      assert.deepEqual(
        (['untrusted', 'on-failure', 'on-request', 'never'] as const).map((mode) =>
          label(decideAction({ mode, policy, request })),
        ),
        expected,
      ),
    );

  test('the reason names the paths outside', () => {
    const d = decideAction({
      mode: 'on-request',
      policy: WS,
      request: patch('/repo/ok', '/etc/x'),
    });
    assert.equal(d.type, 'ask');
    assert.match((d as { reason: string }).reason, /outside the writable roots.*: \/etc\/x$/);
  });
});

const outcome = (output: string, exitCode: number | null = 1): ProcessOutcome => ({
  exitCode,
  signal: null,
  output,
  totalBytes: output.length,
  timedOut: false,
  aborted: false,
  durationMs: 5,
  pid: 42,
});

describe('after a failure', () => {
  test('looksLikeSandboxDenial', () => {
    for (const text of [
      "touch: cannot touch '/etc/x': Read-only file system",
      'bash: /home/u/.cache/x: Permission denied',
      'mkdir: cannot create directory: Operation not permitted',
      'curl: (7) Failed to connect to 127.0.0.1 port 80: Connection refused',
      'ssh: connect to host github.com port 22: Network is unreachable',
      'curl: (6) Could not resolve host: example.com',
      "Error: EACCES: permission denied, open '/x'",
    ])
      assert.equal(looksLikeSandboxDenial(outcome(text)), true, text);
    assert.equal(looksLikeSandboxDenial(outcome('Permission denied', 0)), false, 'it worked');
    assert.equal(looksLikeSandboxDenial(outcome('assertion failed: 1 != 2')), false);
    assert.equal(looksLikeSandboxDenial(outcome('bash: x: command not found', 127)), false);
    assert.equal(
      looksLikeSandboxDenial({ ...outcome('Permission denied'), timedOut: true }),
      false,
    );
  });

  test('untrusted and on-failure offer a run outside; on-request and never report', () => {
    const request = cmd('touch /etc/x');
    const failed = outcome("touch: cannot touch '/etc/x': Read-only file system");
    const after = (mode: AskForApproval, policy: SandboxPolicy = WS, o = failed) =>
      decideAfterFailure({
        mode,
        policy,
        request,
        execPolicy: evaluate(rules, ['bash', '-lc', 'touch /etc/x']),
        outcome: o,
      });
    const ask = after('on-failure');
    assert.equal(ask.type, 'ask');
    assert.equal((ask as { onApprove: string }).onApprove, 'run-unsandboxed');
    assert.equal((ask as { cause: string }).cause, 'sandbox-denial');
    assert.match((ask as { reason: string }).reason, /Read-only file system.*outside the sandbox/);
    assert.equal(after('untrusted').type, 'ask');
    assert.equal(after('on-request').type, 'report');
    assert.equal(after('never').type, 'report');
    assert.equal(after('on-failure', FULL).type, 'report');
    assert.equal(after('on-failure', WS, outcome('tests failed')).type, 'report');
    // An allow rule already covers it: no second question.
    const allowed = cmd('npm install');
    const rerun = decideAfterFailure({
      mode: 'on-failure',
      policy: WS,
      request: allowed,
      execPolicy: evaluate(rules, allowed.kind === 'command' ? allowed.argv : []),
      outcome: outcome('npm ERR! network: getaddrinfo EAI_AGAIN registry.npmjs.org'),
    });
    assert.equal(rerun.type, 'run-unsandboxed');
  });
});

describe('compatibility', () => {
  test('needsApproval and isKnownSafe keep their meaning', () => {
    assert.equal(needsApproval('on-request', 'command', ['rm', '-rf', '/']), false);
    assert.equal(needsApproval('untrusted', 'fileChange'), true);
    assert.equal(needsApproval('untrusted', 'command', ['bash', '-c', 'touch x']), true);
    assert.equal(needsApproval('untrusted', 'command', ['bash', '-c', 'ls']), false);
    const safe = [
      ['ls', '-la'],
      ['bash', '-c', 'git status'],
      ['bash', '-lc', 'ls | wc -l && cat a 2>/dev/null'],
      ['bash', '-lc', 'grep -rn foo src | head -5 2>&1'],
      ['sed', '-n', '1,20p', 'file'],
      ['git', 'branch', '-a'],
      ['find', '.', '-name', 'x'],
    ];
    const unsafe = [
      ['bash', '-c', 'ls > out.txt'],
      ['bash', '-c', 'ls && rm x'],
      ['bash', '-c', 'cat $(rm x)'],
      ['bash', '-c', 'cat $FILE'],
      ['find', '.', '-delete'],
      ['sed', '-i', 's/a/b/', 'f'],
      ['sed', '-n', '1w out', 'f'],
      ['sort', '-o', 'x', 'y'],
      ['uniq', 'in', 'out'],
      ['git', 'branch', '-D', 'main'],
      ['git', 'branch', 'new'],
      ['git', 'push'],
      ['rg', '--pre', 'sh', 'x'],
      ['bash', '-c', 'coproc ls'],
    ];
    for (const argv of safe) assert.equal(isKnownSafe(argv), true, argv.join(' '));
    for (const argv of unsafe) assert.equal(isKnownSafe(argv), false, argv.join(' '));
  });
});
