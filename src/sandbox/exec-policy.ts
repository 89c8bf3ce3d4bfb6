// Exec-policy rules: prefix rules that say a command is allowed, must be asked about, or is
// forbidden. Pure: parsing a rules file's text, checking its inline examples, evaluating an argv.
// Reading the rule directories and appending amendments live in exec-policy-files.ts.
//
// Format (TOML, one file may hold any number of rules):
//
//   [[rule]]
//   prefix = ["git", ["push", "fetch"]]   # each token a string, or a list of alternatives
//   decision = "forbidden"                # "allow" | "prompt" | "forbidden"
//   justification = "the task runner pushes, not the agent"
//   match = [["git", "push", "origin", "main"]]   # examples that must match (checked at load)
//   notMatch = [["git", "status"]]                # examples that must not match
//
// A rule matches a command whose first words are the prefix. Across every matching rule the
// strictest decision wins (forbidden > prompt > allow).
import { parse as parseToml } from 'smol-toml';
import * as z from 'zod';
import { SandboxError } from './errors.ts';
import { opaque } from './exec-run.ts';
import { runsOf, type Run } from './exec-runs.ts';
import {
  baseName,
  literalCommand,
  literalWords,
  parseShellScript,
  type SimpleCommand,
  type Word,
} from './shell-parse.ts';

export type Decision = 'allow' | 'prompt' | 'forbidden';
export type PrefixToken = string | string[];

export type Rule = {
  prefix: PrefixToken[];
  decision: Decision;
  justification?: string;
  /** Where the rule came from, for messages: the file, and the rule's 1-based position in it. */
  file: string;
  index: number;
  origin: 'user' | 'project' | 'builtin';
};

export type Evaluation = {
  /** `unmatched`: no rule says anything about the command. */
  decision: Decision | 'unmatched';
  /** The rule that decided (the first of the strictest). */
  rule?: Rule;
  justification?: string;
  /** One line for the user: why this decision. */
  reason: string;
  /**
   * The decision is `prompt` only because the command could not be fully known (a script
   * this cannot parse, a computed word where a rule has a token): `possibleRules` are the
   * forbidden/prompt rules that might apply (empty: none could).
   */
  uncertain?: { possibleRules: Rule[] };
  /** The simple commands checked, as literal text (for proposing amendments). */
  commands: Word[][];
};

const Token = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const Example = z.array(z.string()).min(1);
const RuleSchema = z.strictObject({
  prefix: z.array(Token).min(1),
  decision: z.enum(['allow', 'prompt', 'forbidden']),
  justification: z.string().optional(),
  match: z.array(Example).optional(),
  notMatch: z.array(Example).optional(),
});
// A `[[rule]]` with `mcp = [...]` is a rule about MCP tools (mcp-policy.ts reads those); here
// it is a null placeholder, so the other rules keep their positions in the file.
const FileSchema = z.strictObject({ rule: z.array(RuleSchema.nullable()).default([]) });

/** Parses one rules file and checks its examples. Throws SandboxError('rules_invalid'). */
export function parseRules(text: string, file: string, origin: Rule['origin']): Rule[] {
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (err) {
    throw new SandboxError('rules_invalid', `${file}: not valid TOML: ${(err as Error).message}`);
  }
  const parsed = FileSchema.safeParse(withoutMcpRules(data));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new SandboxError(
      'rules_invalid',
      `${file}: invalid rules file${where}: ${issue.message}`,
    );
  }
  return parsed.data.rule.flatMap((raw, i) => {
    if (raw === null) return [];
    const rule: Rule = {
      prefix: raw.prefix,
      decision: raw.decision,
      ...(raw.justification === undefined ? {} : { justification: raw.justification }),
      file,
      index: i + 1,
      origin,
    };
    for (const example of raw.match ?? [])
      if (matchRule(rule, literalWords(example)) !== 'exact')
        throw exampleError(rule, example, 'should match the rule but does not');
    for (const example of raw.notMatch ?? [])
      if (matchRule(rule, literalWords(example)) !== 'no')
        throw exampleError(rule, example, 'should not match the rule but does');
    return [rule];
  });
}

function withoutMcpRules(data: unknown): unknown {
  const rules = (data as { rule?: unknown } | null)?.rule;
  if (!Array.isArray(rules)) return data;
  const isMcp = (r: unknown) => typeof r === 'object' && r !== null && 'mcp' in r;
  return { ...(data as object), rule: rules.map((r) => (isMcp(r) ? null : r)) };
}

function exampleError(rule: Rule, example: string[], what: string): SandboxError {
  return new SandboxError(
    'rules_invalid',
    `${rule.file}: rule ${rule.index} (prefix ${formatPrefix(rule.prefix)}): example ${JSON.stringify(example)} ${what}`,
  );
}

export function formatPrefix(prefix: readonly PrefixToken[]): string {
  return prefix.map((t) => (typeof t === 'string' ? t : `{${t.join('|')}}`)).join(' ');
}

/**
 * How `words` meets `rule`: `exact`; `basename` (the program was named by a path: `/usr/bin/git`
 * for `git` — good enough to forbid or ask, never to allow); `dynamic` (a computed word stands
 * where the rule has a token: it might match); `no`.
 */
export function matchRule(
  rule: Pick<Rule, 'prefix'>,
  words: readonly Word[],
): 'exact' | 'basename' | 'dynamic' | 'no' {
  if (words.length < rule.prefix.length) return 'no';
  let result: 'exact' | 'basename' | 'dynamic' = 'exact';
  for (let i = 0; i < rule.prefix.length; i++) {
    const token = rule.prefix[i]!;
    const alternatives = typeof token === 'string' ? [token] : token;
    const word = words[i]!;
    if (word.dynamic) {
      result = 'dynamic';
      continue;
    }
    if (alternatives.includes(word.text)) continue;
    if (i === 0 && word.text.includes('/') && alternatives.includes(baseName(word.text))) {
      if (result === 'exact') result = 'basename';
      continue;
    }
    return 'no';
  }
  return result;
}

const RANK: Record<Evaluation['decision'], number> = {
  allow: 0,
  unmatched: 1,
  prompt: 2,
  forbidden: 3,
};
const MAX_DEPTH = 8;

/**
 * The strictest decision of `rules` for `argv`: a shell's script is split and each command
 * checked, and so is everything a command runs in turn (exec-runs.ts).
 */
export function evaluate(rules: readonly Rule[], argv: readonly string[]): Evaluation {
  if (argv.length === 0) return { decision: 'unmatched', reason: 'empty command', commands: [] };
  return evaluateCommand(rules, literalCommand(argv), 0);
}

function evaluateCommand(
  rules: readonly Rule[],
  command: SimpleCommand,
  depth: number,
): Evaluation {
  const words = command.words;
  const commands = words.length > 0 ? [words] : [];
  const strict = rules.filter((r) => r.decision !== 'allow');
  const direct = directEvaluation(rules, strict, words, commands);

  // What the command runs in turn: a shell's script, a wrapper's command (env, timeout…), code
  // in an environment assignment or an option. Code that cannot be seen might be anything.
  const runs: Run[] =
    depth < MAX_DEPTH ? runsOf(command) : [opaque('the command nests too deeply')];
  let inner: Evaluation | null = null;
  for (const run of runs) {
    const e =
      run.kind === 'command'
        ? evaluateCommand(rules, run.command, depth + 1)
        : run.kind === 'script'
          ? evaluateScript(rules, run.script, depth + 1)
          : strict.length > 0
            ? uncertain(strict, commands, run.why)
            : unmatched(commands);
    if (!inner || RANK[e.decision] > RANK[inner.decision]) inner = e;
  }
  if (!inner) return direct;
  // A rule on the outer command may decide (["bash", "-lc"] allow) unless the inner command is
  // stricter: a wrapper never launders a forbidden command.
  if (RANK[inner.decision] >= RANK.prompt && RANK[inner.decision] > RANK[direct.decision])
    return inner;
  return direct.decision === 'unmatched' ? inner : direct;
}

/** The rules that match the command's own words. */
function directEvaluation(
  rules: readonly Rule[],
  strict: readonly Rule[],
  words: readonly Word[],
  commands: Word[][],
): Evaluation {
  if (words.length === 0) return unmatched(commands);
  if (words[0]!.dynamic) {
    if (strict.length === 0) return unmatched(commands);
    return uncertain(
      [...strict],
      commands,
      `the program name (${words[0]!.text}) is only known at run time`,
    );
  }
  let decided: Evaluation | null = null;
  const maybe: Rule[] = [];
  for (const rule of rules) {
    const m = matchRule(rule, words);
    if (m === 'no') continue;
    if (m === 'dynamic') {
      if (rule.decision !== 'allow') maybe.push(rule);
      continue;
    }
    if (m === 'basename' && rule.decision === 'allow') continue;
    if (!decided || RANK[rule.decision] > RANK[decided.decision]) decided = ruled(rule, commands);
  }
  const direct = decided ?? unmatched(commands);
  // A stricter rule might match through a computed word: it cannot be ruled out, nor applied
  // for certain. (A definite `prompt` already asks; a possible `forbidden` is named in it.)
  const stricter = maybe.filter((r) => RANK[r.decision] > RANK[direct.decision]);
  if (stricter.length > 0)
    return uncertain(stricter, commands, 'part of the command is only known at run time');
  return direct;
}

/**
 * A script: every simple command is checked; the strictest wins. A script this cannot parse
 * might run anything: every rule that forbids or asks might apply.
 */
export function evaluateScript(rules: readonly Rule[], script: string, depth = 0): Evaluation {
  const parsed = parseShellScript(script);
  if (!parsed.ok) {
    return {
      decision: 'prompt',
      reason: `the script could not be checked (${parsed.reason})`,
      uncertain: { possibleRules: rules.filter((r) => r.decision !== 'allow') },
      commands: [],
    };
  }
  const evaluations = parsed.commands.map((command) => evaluateCommand(rules, command, depth));
  const commands = evaluations.flatMap((e) => e.commands);
  if (evaluations.length === 0)
    return { decision: 'unmatched', reason: 'the script runs no command', commands };
  // unmatched ranks above allow: the script is allowed only when every command is.
  const worst = evaluations.reduce((a, b) => (RANK[b.decision] > RANK[a.decision] ? b : a));
  return { ...worst, commands };
}

function unmatched(commands: Word[][]): Evaluation {
  return { decision: 'unmatched', reason: 'no rule matches', commands };
}

function ruled(rule: Rule, commands: Word[][]): Evaluation {
  const verb = { allow: 'is allowed', prompt: 'requires approval', forbidden: 'is forbidden' }[
    rule.decision
  ];
  const why = rule.justification ? `: ${rule.justification}` : '';
  return {
    decision: rule.decision,
    rule,
    ...(rule.justification === undefined ? {} : { justification: rule.justification }),
    reason: `\`${formatPrefix(rule.prefix)}\` ${verb} (rule ${rule.index} in ${rule.file})${why}`,
    commands,
  };
}

function uncertain(possible: Rule[], commands: Word[][], why: string): Evaluation {
  const rules = possible.map((r) => `\`${formatPrefix(r.prefix)}\` (${r.decision})`).join(', ');
  return {
    decision: 'prompt',
    reason: `${why}, so it might be ${rules}`,
    uncertain: { possibleRules: possible },
    commands,
  };
}
