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
import {
  baseName,
  literalWords,
  parseShellScript,
  shellScriptOf,
  type Word,
} from './shell-parse.ts';
import { unwrapCommand } from './command-wrappers.ts';

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
const FileSchema = z.strictObject({ rule: z.array(RuleSchema).default([]) });

/** Parses one rules file and checks its examples. Throws SandboxError('rules_invalid'). */
export function parseRules(text: string, file: string, origin: Rule['origin']): Rule[] {
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (err) {
    throw new SandboxError('rules_invalid', `${file}: not valid TOML: ${(err as Error).message}`);
  }
  const parsed = FileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new SandboxError(
      'rules_invalid',
      `${file}: invalid rules file${where}: ${issue.message}`,
    );
  }
  return parsed.data.rule.map((raw, i) => {
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
    return rule;
  });
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

/** The strictest decision of `rules` for `argv` (a `bash -lc` script is split and each part checked). */
export function evaluate(rules: readonly Rule[], argv: readonly string[]): Evaluation {
  return evaluateWords(rules, literalWords(argv), 0);
}

function evaluateWords(rules: readonly Rule[], words: Word[], depth: number): Evaluation {
  const commands = [words];
  if (words.length === 0) return { decision: 'unmatched', reason: 'empty command', commands: [] };
  const strict = rules.filter((r) => r.decision !== 'allow');
  if (words[0]!.dynamic) {
    if (strict.length === 0) return unmatched(commands);
    return uncertain(
      strict,
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
  let direct = decided ?? unmatched(commands);
  // A stricter rule might match through a computed word: it cannot be ruled out, nor applied
  // for certain. (A definite `prompt` already asks; a possible `forbidden` is named in it.)
  const stricter = maybe.filter((r) => RANK[r.decision] > RANK[direct.decision]);
  if (stricter.length > 0)
    direct = uncertain(stricter, commands, 'part of the command is only known at run time');

  // What the command runs in turn: a shell's script, or a wrapper's command (env, timeout…).
  let inner: Evaluation | null = null;
  if (depth < MAX_DEPTH) {
    const shell = shellScriptOf(words);
    if (shell?.script.dynamic) {
      inner =
        strict.length > 0
          ? uncertain(strict, commands, 'the script is only known at run time')
          : unmatched(commands);
    } else if (shell) {
      inner = evaluateScript(rules, shell.script.text, depth + 1);
    } else {
      const unwrapped = unwrapCommand(words);
      if (unwrapped) inner = evaluateWords(rules, unwrapped, depth + 1);
    }
  }
  if (!inner) return direct;
  // A rule on the outer command may decide (["bash", "-lc"] allow) unless the inner command is
  // stricter: a wrapper never launders a forbidden command.
  if (RANK[inner.decision] >= RANK.prompt && RANK[inner.decision] > RANK[direct.decision])
    return inner;
  return direct.decision === 'unmatched' ? inner : direct;
}

/** A script: every simple command is checked; the strictest wins. */
export function evaluateScript(rules: readonly Rule[], script: string, depth = 0): Evaluation {
  const parsed = parseShellScript(script);
  if (!parsed.ok) {
    const possible = rules.filter(
      (r) => r.decision !== 'allow' && mentionsProgram(script, r.prefix[0]!),
    );
    return {
      decision: 'prompt',
      reason: `the script could not be checked (${parsed.reason})`,
      uncertain: { possibleRules: possible },
      commands: [],
    };
  }
  const evaluations = parsed.commands.map((command) => evaluateWords(rules, command.words, depth));
  const commands = evaluations.flatMap((e) => e.commands);
  if (evaluations.length === 0)
    return { decision: 'unmatched', reason: 'the script runs no command', commands };
  // unmatched ranks above allow: the script is allowed only when every command is.
  const worst = evaluations.reduce((a, b) => (RANK[b.decision] > RANK[a.decision] ? b : a));
  return { ...worst, commands };
}
function mentionsProgram(script: string, token: PrefixToken): boolean {
  const names = typeof token === 'string' ? [token] : token;
  return names.some((name) =>
    new RegExp(`(^|[^\\w.-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w.-])`).test(
      script,
    ),
  );
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
