// When an MCP tool call may run, must be asked about, or is forbidden: a pure function of the
// approval mode, the tool's hints (MCP annotations) and rules by tool name. The rules live in
// the same files as the exec-policy rules (~/.yoke/rules/*.toml, .yoke/rules/*.toml):
//
//   [[rule]]
//   mcp = ["github", "create_*"]     # server, then tool (`*` patterns; the tool may be left out)
//   decision = "prompt"              # allow | prompt | forbidden; the strictest match wins
//   justification = "creating things on GitHub is visible to others"
//
// Without a rule: a tool the server marks read-only (readOnlyHint, and not destructiveHint) is
// a safe read and runs. Otherwise the approval mode decides, as for commands:
//   untrusted   asks for every other tool
//   on-request, on-failure
//               ask for a tool that may destroy or reach outside (destructiveHint, or not
//               read-only with openWorldHint; a missing hint counts as the MCP default: yes)
//   never       runs it
// A `prompt` rule under `never` forbids (no one can approve); `forbidden` always wins.
import { parse as parseToml } from 'smol-toml';
import * as z from 'zod';
import type { AskForApproval } from '../protocol/thread.ts';
import type { Decision } from './exec-policy.ts';
import { SandboxError } from './errors.ts';

export type McpRule = {
  server: string;
  /** A tool name or `*` pattern; `*` when the rule names only the server. */
  tool: string;
  decision: Decision;
  justification?: string;
  file: string;
  /** 1-based position among the file's `[[rule]]` tables. */
  index: number;
  origin: 'user' | 'project' | 'builtin';
};

export type McpHints = { readOnly?: boolean; destructive?: boolean; openWorld?: boolean };

export type McpDecision =
  | { type: 'run'; reason: string }
  | { type: 'ask'; reason: string }
  | { type: 'forbid'; reason: string };

const McpRuleSchema = z.strictObject({
  mcp: z.union([z.tuple([z.string().min(1)]), z.tuple([z.string().min(1), z.string().min(1)])]),
  decision: z.enum(['allow', 'prompt', 'forbidden']),
  justification: z.string().optional(),
});

/** The `mcp = [...]` rules of one rules file (other rules are exec-policy's). */
export function parseMcpRules(text: string, file: string, origin: McpRule['origin']): McpRule[] {
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (err) {
    throw new SandboxError('rules_invalid', `${file}: not valid TOML: ${(err as Error).message}`);
  }
  const rules = (data as { rule?: unknown }).rule;
  if (!Array.isArray(rules)) return [];
  return rules.flatMap((raw, i) => {
    if (typeof raw !== 'object' || raw === null || !('mcp' in raw)) return [];
    const parsed = McpRuleSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
      throw new SandboxError(
        'rules_invalid',
        `${file}: rule ${i + 1} (mcp): ${at}${issue.message} (expected mcp = ["server"] or ["server", "tool"], and decision)`,
      );
    }
    const { mcp, decision, justification } = parsed.data;
    return [
      {
        server: mcp[0],
        tool: mcp[1] ?? '*',
        decision,
        ...(justification === undefined ? {} : { justification }),
        file,
        index: i + 1,
        origin,
      },
    ];
  });
}

export type McpEvaluation = { decision: Decision | 'unmatched'; rule?: McpRule; reason: string };

const STRICTNESS: Record<Decision, number> = { allow: 0, prompt: 1, forbidden: 2 };

export function evaluateMcp(
  rules: readonly McpRule[],
  server: string,
  tool: string,
): McpEvaluation {
  let best: McpRule | undefined;
  for (const rule of rules) {
    if (!glob(rule.server, server) || !glob(rule.tool, tool)) continue;
    if (!best || STRICTNESS[rule.decision] > STRICTNESS[best.decision]) best = rule;
  }
  if (!best) return { decision: 'unmatched', reason: 'no rule matches' };
  const why = best.justification ? `: ${best.justification}` : '';
  return {
    decision: best.decision,
    rule: best,
    reason: `rule ${best.index} of ${best.file} (mcp ${best.server} ${best.tool}) says ${best.decision}${why}`,
  };
}

/** Whether a tool looks like a safe read: read-only and not destructive. */
export function isReadOnly(hints: McpHints): boolean {
  return hints.readOnly === true && hints.destructive !== true;
}

export function decideMcpCall(input: {
  mode: AskForApproval;
  hints: McpHints;
  evaluation: McpEvaluation;
}): McpDecision {
  const { mode, hints, evaluation } = input;
  if (evaluation.decision === 'forbidden') return { type: 'forbid', reason: evaluation.reason };
  if (evaluation.decision === 'prompt') {
    if (mode === 'never')
      return {
        type: 'forbid',
        reason: `${evaluation.reason}; the approval policy is "never", so no one can approve it`,
      };
    return { type: 'ask', reason: evaluation.reason };
  }
  if (evaluation.decision === 'allow') return { type: 'run', reason: evaluation.reason };
  if (isReadOnly(hints)) return { type: 'run', reason: 'the server marks the tool read-only' };
  switch (mode) {
    case 'never':
      return { type: 'run', reason: 'the approval policy is "never"' };
    case 'untrusted':
      return { type: 'ask', reason: 'the tool is not marked read-only' };
    default: {
      const risky = hints.destructive !== false || hints.openWorld !== false;
      return risky
        ? {
            type: 'ask',
            reason:
              hints.destructive === true
                ? 'the server marks the tool destructive'
                : 'the tool may change things or reach outside (not marked otherwise)',
          }
        : { type: 'run', reason: 'the server marks the tool neither destructive nor open-world' };
    }
  }
}

function glob(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's').test(name);
}
