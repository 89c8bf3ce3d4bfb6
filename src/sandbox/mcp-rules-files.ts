// The `[[rule]] mcp = [...]` rules on disk: they share the rule files with the exec-policy rules
// (YOKE_HOME/rules/*.toml and the project's .yoke/rules/*.toml, which may only tighten), and an
// MCP approval answered "always" appends an allow rule to the user's file.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'smol-toml';
import { SandboxError } from './errors.ts';
import { readRuleFiles } from './exec-policy-files.ts';
import { evaluateMcp, parseMcpRules, type McpRule } from './mcp-policy.ts';

export function loadMcpRules(input: {
  userDir?: string;
  projectDir?: string;
  projectTrusted?: boolean;
}): McpRule[] {
  const rules = input.userDir ? readDir(input.userDir, 'user') : [];
  if (input.projectDir) {
    for (const rule of readDir(input.projectDir, 'project')) {
      if (rule.decision === 'allow' && !input.projectTrusted) continue;
      rules.push(rule);
    }
  }
  return rules;
}

function readDir(dir: string, origin: McpRule['origin']): McpRule[] {
  return readRuleFiles(dir).flatMap(({ file, text }) => parseMcpRules(text, file, origin));
}

/** Appends `allow` for one tool to `file` (unless an allow rule already covers it). */
export function amendMcpRules(file: string, server: string, tool: string): McpRule {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new SandboxError('rules_write_failed', `${file}: ${(err as Error).message}`);
  }
  const existing = current ? parseMcpRules(current, file, 'user') : [];
  const covering = evaluateMcp(
    existing.filter((r) => r.decision === 'allow'),
    server,
    tool,
  );
  if (covering.rule) return covering.rule;
  const block = stringify({ rule: [{ mcp: [server, tool], decision: 'allow' }] });
  const separator =
    current === '' || current.endsWith('\n\n') ? '' : current.endsWith('\n') ? '\n' : '\n\n';
  const next = `${current}${separator}${block}\n`;
  const rules = parseMcpRules(next, file, 'user'); // never write a file that would not load
  // Written beside it and renamed over it: a crash leaves the old file or the new one.
  const temp = `${file}.${process.pid}.mcp.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temp, next, { mode: 0o600, flush: true });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new SandboxError('rules_write_failed', `${file}: ${(err as Error).message}`);
  }
  return rules.at(-1)!;
}
