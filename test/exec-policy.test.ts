// Exec-policy rules: the script splitter, the rules format (examples checked at load), the
// evaluation (strictest wins, wrappers and shells looked through, computed words), the rule
// directories (project rules only tighten) and amendments.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { SandboxError } from '../src/sandbox/errors.ts';
import { amendRules, loadRules, userRulesFile } from '../src/sandbox/exec-policy-files.ts';
import { evaluate, parseRules } from '../src/sandbox/exec-policy.ts';
import { parseShellScript } from '../src/sandbox/shell-parse.ts';

/** The commands of a script, `~` before a computed word; or `FAIL: reason`. */
function split(script: string): string {
  const r = parseShellScript(script);
  if (!r.ok) return `FAIL: ${r.reason}`;
  const word = (w: { text: string; dynamic: boolean }) => (w.dynamic ? '~' : '') + w.text;
  return r.commands
    .map((c) =>
      [...c.assignments.map((a) => `${a.name}=${word(a.value)}`), ...c.words.map(word)].join(' '),
    )
    .join(' ; ');
}

describe('script splitting', () => {
  const cases: [string, string][] = [
    ['a && b | c; d || e & f', 'a ; b ; c ; d ; e ; f'],
    ['git commit -m "fix: a && b" 2>&1 >/dev/null', 'git commit -m fix: a && b'],
    ["echo 'it''s' \"q\\\"uote\" back\\ slash", 'echo its q"uote back slash'],
    ['FOO=1 BAR="x y" make -j4', 'FOO=1 BAR=x y make -j4'],
    ['(cd sub && make) || echo failed', 'cd sub ; make ; echo failed'],
    ['echo $(git push) `ls -a`', 'git push ; ls -a ; echo ~$(…) ~`…`'],
    ['echo "$(rm -rf x)"', 'rm -rf x ; echo ~$(…)'],
    ['diff <(ls a) <(ls b)', 'ls a ; ls b ; diff ~<(…) ~<(…)'],
    ['for f in *.ts; do wc -l "$f"; done', 'wc -l ~$f'],
    ['if [ -f x ]; then cat x; else rm -rf y; fi', '[ -f x ] ; cat x ; rm -rf y'],
    ['while read l; do echo "$l"; done < list', 'read l ; echo ~$l'],
    ['[[ -n $(id -u) ]] && echo ok', 'id -u ; echo ok'],
    ['{ a; b; } > out', 'a ; b'],
    ['! grep -q x f', 'grep -q x f'],
    ['ls *.ts {a,b}.md ~/x [ab].c', 'ls ~*.ts ~{a,b}.md ~~/x ~[ab].c'],
    ["cat > f <<'EOF'\n$(not a command)\nEOF\necho done", 'cat ; echo done'],
    ['cat <<-EOF\n\thello $USER\n\tEOF\nls', 'cat ; ls'],
    ['echo one \\\n two # a comment && rm x', 'echo one two'],
    ['x=$((1 + 2)); echo ${x}', 'x=~$((…)) ; echo ~${x}'],
    ['case $x in a|b) rm x;; (c) ls ;& *) pwd; esac', 'rm x ; ls ; pwd'],
    ['case "$(id -u)" in\n  0) echo root ;;\nesac', 'id -u ; echo root'],
    ['f() { rm -rf /; }; f', 'rm -rf / ; f'],
    ['function g { git push; }\ng', 'git push ; g'],
    ["bash <<'EOF'\ngit push\nEOF", 'bash'],
    ['bash -lc "git status"', 'bash -lc git status'],
  ];
  for (const [script, expected] of cases)
    test(JSON.stringify(script), () => assert.equal(split(script), expected));

  const failures: [string, RegExp][] = [
    ['coproc ls', /coproc/],
    ['case x in a) ls', /unterminated case/],
    ['echo ;; ls', /unexpected ;;/],
    ['echo "unterminated', /unterminated/],
    ['cat <<EOF\n$(rm x)\nEOF', /here-document/],
    ['echo ${x:-$(rm y)}', /nested expansion/],
    ['echo `echo \\`x\\``', /escapes/],
    ['(echo', /unterminated/],
    ['echo )', /unexpected \)/],
    ['for ((i=0; i<3; i++)); do echo; done', /for loop/],
  ];
  for (const [script, reason] of failures)
    test(`cannot parse ${JSON.stringify(script)}`, () => assert.match(split(script), reason));
});

const RULES = `
[[rule]]
prefix = ["git", "push"]
decision = "forbidden"
justification = "the task runner pushes, not the agent"
match = [["git", "push", "origin", "main"], ["git", "push"]]
notMatch = [["git", "status"], ["git"]]

[[rule]]
prefix = ["git", ["status", "diff", "log"]]
decision = "allow"
match = [["git", "log", "-1"]]

[[rule]]
prefix = ["rm"]
decision = "prompt"

[[rule]]
prefix = ["git"]
decision = "prompt"
justification = "other git commands are reviewed"

[[rule]]
prefix = ["cargo", "test"]
decision = "allow"
`;
const rules = parseRules(RULES, '/home/u/.yoke/rules/default.toml', 'user');
const decide = (...argv: string[]) => evaluate(rules, argv);

describe('rules file', () => {
  test('parses rules with alternatives, justification and provenance', () => {
    assert.equal(rules.length, 5);
    assert.deepEqual(rules[1]!.prefix, ['git', ['status', 'diff', 'log']]);
    assert.equal(rules[0]!.justification, 'the task runner pushes, not the agent');
    assert.equal(rules[2]!.file, '/home/u/.yoke/rules/default.toml');
    assert.equal(rules[2]!.index, 3);
  });

  test('a failing example is a load error naming the file, the rule and the example', () => {
    const bad = `[[rule]]\nprefix = ["npm", "publish"]\ndecision = "forbidden"\nmatch = [["npm", "install"]]\n`;
    assert.throws(
      () => parseRules(bad, 'team.toml', 'project'),
      (e: SandboxError) =>
        e.code === 'rules_invalid' &&
        e.message ===
          'team.toml: rule 1 (prefix npm publish): example ["npm","install"] should match the rule but does not',
    );
    const badNot = `[[rule]]\nprefix = ["npm"]\ndecision = "prompt"\n\n[[rule]]\nprefix = ["rm"]\ndecision = "prompt"\nnotMatch = [["rm", "-rf", "x"]]\n`;
    assert.throws(
      () => parseRules(badNot, 'x.toml', 'user'),
      /x\.toml: rule 2 \(prefix rm\): example \["rm","-rf","x"\] should not match the rule but does/,
    );
  });

  test('bad TOML, unknown keys, bad decisions are load errors with the file name', () => {
    const cases: [string, RegExp][] = [
      ['[[rule]\n', /bad\.toml: not valid TOML/],
      [
        '[[rule]]\nprefix = ["a"]\ndecision = "maybe"\n',
        /bad\.toml: invalid rules file at rule\.0\.decision/,
      ],
      [
        '[[rule]]\nprefix = ["a"]\ndecision = "allow"\nmatches = []\n',
        /bad\.toml: invalid rules file/,
      ],
      ['[[rule]]\nprefix = []\ndecision = "allow"\n', /rule\.0\.prefix/],
    ];
    for (const [text, message] of cases)
      assert.throws(() => parseRules(text, 'bad.toml', 'user'), message);
  });
});

describe('evaluate', () => {
  test('strictest decision across matching rules wins', () => {
    assert.equal(decide('git', 'push', 'origin').decision, 'forbidden');
    assert.equal(decide('git', 'push').rule!.index, 1);
    assert.match(decide('git', 'push').reason, /forbidden.*rule 1 in .*default\.toml.*task runner/);
    // `git status` is allowed by rule 2 but rule 4 (prompt `git`) also matches: prompt wins.
    assert.equal(decide('git', 'status').decision, 'prompt');
    assert.equal(decide('git', 'status').justification, 'other git commands are reviewed');
    assert.equal(decide('cargo', 'test', '--all').decision, 'allow');
    assert.equal(decide('cargo', 'build').decision, 'unmatched');
    assert.equal(decide('ls').decision, 'unmatched');
  });

  test('a script: each command checked; allowed only if every command is', () => {
    assert.equal(decide('bash', '-lc', 'cargo test && cargo test --doc').decision, 'allow');
    assert.equal(decide('bash', '-lc', 'cargo test && ls').decision, 'unmatched');
    assert.equal(decide('bash', '-lc', 'cargo test; rm -rf target').decision, 'prompt');
    assert.equal(decide('sh', '-c', 'cargo test | tee log && git push').decision, 'forbidden');
    assert.equal(decide('bash', '-c', 'echo $(git push --force)').decision, 'forbidden');
    assert.equal(decide('bash', '-c', 'bash -c "git push"').decision, 'forbidden');
    assert.deepEqual(
      decide('bash', '-lc', 'cargo test -q').commands.map((c) => c.map((w) => w.text)),
      [['cargo', 'test', '-q']],
    );
  });

  test('wrappers and paths do not launder a forbidden command', () => {
    for (const argv of [
      ['env', 'GIT_TRACE=1', 'git', 'push'],
      ['timeout', '-s', 'KILL', '60', 'git', 'push'],
      ['sudo', '-u', 'bob', 'git', 'push'],
      ['nohup', 'nice', '-n', '5', 'git', 'push'],
      ['env', '-S', 'git push origin'],
      ['xargs', '-n', '1', 'git', 'push'],
      ['/usr/bin/git', 'push'],
    ])
      assert.equal(evaluate(rules, argv).decision, 'forbidden', argv.join(' '));
    // A path is enough to forbid or ask, never to allow.
    assert.equal(decide('/tmp/x/cargo', 'test').decision, 'unmatched');
    assert.equal(decide('command', '-v', 'git').decision, 'unmatched');
  });

  test('computed words: a stricter rule that might match makes it uncertain, not allowed', () => {
    const e = decide('bash', '-c', 'git $SUB origin');
    assert.equal(e.decision, 'prompt');
    assert.deepEqual(
      e.uncertain!.possibleRules.map((r) => r.index),
      [1],
    );
    assert.match(e.reason, /might be `git push` \(forbidden\)/);
    const program = decide('bash', '-c', '"$TOOL" --flag');
    assert.equal(program.decision, 'prompt');
    assert.match(program.reason, /program name .* only known at run time/);
    assert.equal(decide('bash', '-c', 'cargo $CMD').decision, 'unmatched', 'only allow rules');
    assert.equal(evaluate([], ['bash', '-c', '$X']).decision, 'unmatched', 'no rules at all');
  });

  test('an unparseable script is prompt: every rule that forbids or asks might apply', () => {
    const e = decide('bash', '-c', 'coproc g\\it push');
    assert.equal(e.decision, 'prompt');
    assert.match(e.reason, /could not be checked \(coproc/);
    assert.deepEqual(
      e.uncertain!.possibleRules.map((r) => r.index),
      [1, 3, 4],
    );
    assert.equal(evaluate([], ['bash', '-c', 'coproc ls']).uncertain!.possibleRules.length, 0);
  });
});

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'yoke-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('rule directories', () => {
  test('user and project rules load; project allow rules are ignored unless trusted', (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'home', 'rules'), { recursive: true });
    mkdirSync(join(dir, 'proj', '.yoke', 'rules'), { recursive: true });
    writeFileSync(
      join(dir, 'home', 'rules', 'b.toml'),
      '[[rule]]\nprefix = ["make"]\ndecision = "allow"\n',
    );
    writeFileSync(
      join(dir, 'home', 'rules', 'a.toml'),
      '[[rule]]\nprefix = ["rm"]\ndecision = "prompt"\n',
    );
    writeFileSync(join(dir, 'home', 'rules', 'notes.txt'), 'not rules');
    writeFileSync(
      join(dir, 'proj', '.yoke', 'rules', 'p.toml'),
      '[[rule]]\nprefix = ["curl"]\ndecision = "allow"\n\n[[rule]]\nprefix = ["make", "deploy"]\ndecision = "forbidden"\n',
    );
    const input = {
      userDir: join(dir, 'home', 'rules'),
      projectDir: join(dir, 'proj', '.yoke', 'rules'),
    };
    const untrusted = loadRules(input);
    assert.deepEqual(
      untrusted.rules.map((r) => [r.origin, r.prefix.join(' '), r.decision]),
      [
        ['user', 'rm', 'prompt'],
        ['user', 'make', 'allow'],
        ['project', 'make deploy', 'forbidden'],
      ],
    );
    assert.equal(untrusted.warnings.length, 1);
    assert.match(
      untrusted.warnings[0]!,
      /p\.toml: rule 1 \(allow `curl`\) is ignored: project rules may only tighten/,
    );
    assert.equal(evaluate(untrusted.rules, ['make', 'deploy']).decision, 'forbidden', 'tightened');
    assert.equal(evaluate(untrusted.rules, ['curl', 'x']).decision, 'unmatched');

    const trusted = loadRules({ ...input, projectTrusted: true });
    assert.equal(trusted.warnings.length, 0);
    assert.equal(evaluate(trusted.rules, ['curl', 'x']).decision, 'allow');
    assert.deepEqual(loadRules({ userDir: join(dir, 'missing') }), { rules: [], warnings: [] });
  });

  test('a broken project file fails the load, naming it', (t) => {
    const dir = tempDir(t);
    writeFileSync(
      join(dir, 'x.toml'),
      '[[rule]]\nprefix = ["a"]\ndecision = "allow"\nmatch = [["b"]]\n',
    );
    assert.throws(
      () => loadRules({ projectDir: dir }),
      new RegExp(`${join(dir, 'x.toml')}: rule 1`),
    );
  });
});

describe('amendRules', () => {
  test('appends an allow rule atomically, keeps comments, is idempotent', (t) => {
    const home = tempDir(t);
    const file = userRulesFile(home);
    assert.equal(file, join(home, 'rules', 'default.toml'));
    const first = amendRules(file, ['npm', 'run', 'build']);
    assert.equal(first.decision, 'allow');
    assert.deepEqual(first.prefix, ['npm', 'run', 'build']);
    writeFileSync(file, `# my rules\n${readFileSync(file, 'utf8')}`);
    const second = amendRules(file, ['make', 'weird "quoted" \\ arg']);
    assert.equal(second.index, 2);
    const again = amendRules(file, ['npm', 'run', 'build', '--prod']);
    assert.equal(again.index, 1, 'already covered by rule 1: nothing appended');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# my rules\n/);
    const { rules: loaded } = loadRules({ userDir: join(home, 'rules') });
    assert.deepEqual(
      loaded.map((r) => r.prefix),
      [
        ['npm', 'run', 'build'],
        ['make', 'weird "quoted" \\ arg'],
      ],
    );
    assert.equal(evaluate(loaded, ['bash', '-lc', 'npm run build']).decision, 'allow');
    assert.deepEqual(readdirSync(join(home, 'rules')), ['default.toml'], 'no temp file left');
    assert.throws(
      () => amendRules(file, []),
      (e: SandboxError) => e.code === 'rules_write_failed',
    );
  });

  test('refuses to amend a file that does not load', (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'r.toml');
    writeFileSync(file, 'garbage = [');
    assert.throws(() => amendRules(file, ['ls']), /not valid TOML/);
    assert.equal(readFileSync(file, 'utf8'), 'garbage = [');
  });
});
