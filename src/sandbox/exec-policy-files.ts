// Exec-policy rules on disk: the user's (YOKE_HOME/rules/*.toml) and the project's
// (.yoke/rules/*.toml), and the `allow` rules that approvals append
// (acceptWithExecpolicyAmendment).
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'smol-toml';
import { SandboxError } from './errors.ts';
import { formatPrefix, matchRule, parseRules, type Rule } from './exec-policy.ts';
import { literalWords } from './shell-parse.ts';

export type LoadedRules = {
  rules: Rule[];
  /** Things the user should hear about (ignored project allow rules). */
  warnings: string[];
};

export type LoadRulesInput = {
  /** YOKE_HOME/rules */
  userDir?: string;
  /** <project>/.yoke/rules */
  projectDir?: string;
  /** A trusted project's `allow` rules count; an untrusted project may only tighten. */
  projectTrusted?: boolean;
};

/** Where amendments go. */
export function userRulesFile(yokeHome: string): string {
  return join(yokeHome, 'rules', 'default.toml');
}

/**
 * Loads every *.toml of the user and project rule directories (sorted by name; a missing
 * directory is no rules). Throws SandboxError('rules_invalid') naming the file, rule and
 * example that fail.
 */
export function loadRules(input: LoadRulesInput): LoadedRules {
  const warnings: string[] = [];
  const rules = input.userDir ? readDir(input.userDir, 'user') : [];
  if (input.projectDir) {
    for (const rule of readDir(input.projectDir, 'project')) {
      if (rule.decision === 'allow' && !input.projectTrusted) {
        warnings.push(
          `${rule.file}: rule ${rule.index} (allow \`${formatPrefix(rule.prefix)}\`) is ignored: ` +
            'project rules may only tighten the policy unless the project is trusted',
        );
        continue;
      }
      rules.push(rule);
    }
  }
  return { rules, warnings };
}

function readDir(dir: string, origin: Rule['origin']): Rule[] {
  return readRuleFiles(dir).flatMap(({ file, text }) => parseRules(text, file, origin));
}

/** The *.toml files of a rule directory, sorted by name (a missing directory has none). */
export function readRuleFiles(dir: string): { file: string; text: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.toml'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SandboxError('rules_invalid', `${dir}: ${(err as Error).message}`);
  }
  return names.sort().map((name) => {
    const file = join(dir, name);
    return { file, text: readFileSync(file, 'utf8') };
  });
}

/**
 * Appends `allow prefix` to `file` (created with its directory if needed) and returns the new
 * rule. Atomic: the new content is written to a temp file beside it, synced, checked to parse,
 * then renamed over the old one, so a crash leaves the old file or the new one, never half.
 * Appending a prefix that an allow rule already covers changes nothing.
 */
export function amendRules(file: string, prefix: readonly string[]): Rule {
  if (prefix.length === 0 || prefix.some((token) => token.length === 0))
    throw new SandboxError('rules_write_failed', 'an amendment needs a non-empty prefix');
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new SandboxError('rules_write_failed', `${file}: ${(err as Error).message}`);
  }
  const existing = current ? parseRules(current, file, 'user') : [];
  const covering = existing.find(
    (rule) => rule.decision === 'allow' && matchRule(rule, literalWords(prefix)) === 'exact',
  );
  if (covering) return covering;

  const block = stringify({ rule: [{ prefix: [...prefix], decision: 'allow' }] });
  const separator =
    current === '' || current.endsWith('\n\n') ? '' : current.endsWith('\n') ? '\n' : '\n\n';
  const next = `${current}${separator}${block}\n`;
  const rules = parseRules(next, file, 'user'); // never write a file that would not load
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, next);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new SandboxError('rules_write_failed', `${file}: ${(err as Error).message}`);
  }
  return rules.at(-1)!;
}
