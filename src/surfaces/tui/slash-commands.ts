// Slash commands typed in the prompt, and the pickers /resume and /model open. Each one is a few
// App Server requests; what they change shows up through the controller's state.
import { AskForApproval } from '../../protocol/thread.ts';
import type { TuiController } from './controller.ts';
import type { Session } from './state.ts';
import { compactCount } from './text-layout.ts';
import { chooseModel, openModelPicker, setModel } from './model-picker.ts';
import { runReview } from './review-command.ts';
import { threadChoices } from './thread-choices.ts';

export const SLASH_COMMANDS: { name: string; args: string; summary: string }[] = [
  { name: 'model', args: '[NAME]', summary: 'use model NAME from the next turn (alone: pick)' },
  { name: 'approvals', args: '[MODE]', summary: 'approval mode from the next turn (alone: list)' },
  { name: 'compact', args: '', summary: 'summarize the conversation to free context' },
  {
    name: 'review',
    args: '[WHAT]',
    summary: 'review uncommitted changes (--base BRANCH, --commit SHA, or instructions)',
  },
  { name: 'new', args: '', summary: 'start a new thread' },
  { name: 'resume', args: '[ID]', summary: 'open a stored thread (alone: pick; --all: all repos)' },
  { name: 'fork', args: '', summary: 'copy this thread into a new one and continue there' },
  { name: 'diff', args: '', summary: "the last turn's changes (none: git diff)" },
  { name: 'status', args: '', summary: 'thread, model, sandbox, approvals, token use' },
  { name: 'mcp', args: '', summary: 'MCP servers: their state and tools' },
  { name: 'help', args: '', summary: 'this help' },
  { name: 'quit', args: '', summary: 'leave Yoke (also /exit)' },
];

export const KEY_HELP: [string, string][] = [
  ['Enter', 'send (while a turn runs: steer it)'],
  ['Esc', 'interrupt the running turn'],
  ['Ctrl-C', 'interrupt; when idle, twice to quit'],
  ['!CMD', 'run CMD in a local shell (not sent to the model)'],
  ['Up/Down', 'earlier prompts'],
  ['PgUp/PgDn', 'scroll the transcript'],
  ['y a r n', 'approvals: yes, yes for the session, yes + save rule, no'],
];

const MODES = AskForApproval.options;

export function helpText(): string {
  const commands = SLASH_COMMANDS.map(
    (c) => `  /${`${c.name} ${c.args}`.trim().padEnd(16)} ${c.summary}`,
  );
  const keys = KEY_HELP.map(([k, v]) => `  ${k.padEnd(17)} ${v}`);
  return ['commands', ...commands, 'keys', ...keys].join('\n');
}

export async function runSlashCommand(ctrl: TuiController, line: string): Promise<void> {
  const [head = '', ...rest] = line.slice(1).trim().split(/\s+/);
  const arg = rest.join(' ');
  const name = head.toLowerCase();
  switch (name) {
    case 'help':
    case '?':
      return ctrl.note(helpText());
    case 'model':
      return arg ? chooseModel(ctrl, arg) : openModelPicker(ctrl);
    case 'approvals':
      return setApprovals(ctrl, arg);
    case 'compact': {
      if (ctrl.busy) return ctrl.note('a turn is running; compact when it ends', 'warn');
      const { threadId } = ctrl.requireSession();
      await ctrl.connection.request('thread/compact/start', { threadId });
      return ctrl.note('compacting the conversation...');
    }
    case 'review':
      return runReview(ctrl, arg);
    case 'new':
      if (ctrl.busy) return ctrl.note('a turn is running; interrupt it first (Esc)', 'warn');
      await ctrl.startThread();
      return ctrl.note(`new thread ${ctrl.requireSession().threadId}`);
    case 'resume':
      if (ctrl.busy) return ctrl.note('a turn is running; interrupt it first (Esc)', 'warn');
      return arg && arg !== '--all' ? ctrl.resumeThread(arg) : openPicker(ctrl, arg === '--all');
    case 'fork':
      if (ctrl.busy) return ctrl.note('a turn is running; fork when it ends', 'warn');
      return ctrl.forkThread();
    case 'diff':
      return showDiff(ctrl);
    case 'status':
      return ctrl.note(statusText(ctrl));
    case 'mcp':
      return showMcp(ctrl);
    case 'quit':
    case 'exit':
      return ctrl.exit();
    default:
      return ctrl.note(`unknown command /${head}; /help lists them`, 'warn');
  }
}

function setApprovals(ctrl: TuiController, mode: string): void {
  const { overrides, session } = ctrl.getState();
  if (!mode) {
    const current = overrides.approvalPolicy ?? session?.approvalPolicy ?? 'unknown';
    return ctrl.note(`approvals: ${current}; /approvals MODE with one of ${MODES.join(', ')}`);
  }
  const parsed = AskForApproval.safeParse(mode);
  if (!parsed.success) {
    return ctrl.note(`unknown approval mode "${mode}"; one of ${MODES.join(', ')}`, 'warn');
  }
  ctrl.set({ overrides: { ...overrides, approvalPolicy: parsed.data } });
  ctrl.note(`approvals ${mode} from the next turn`);
}

async function showDiff(ctrl: TuiController): Promise<void> {
  const { turnDiff, session } = ctrl.getState();
  if (turnDiff) {
    return ctrl.addEntry({
      kind: 'diff',
      id: ctrl.localId('diff'),
      title: 'changes of the last turn',
      diff: turnDiff,
    });
  }
  const gitDiff = ctrl.deps.gitDiff;
  if (!gitDiff || !session) return ctrl.note('no changes in this session');
  const diff = await gitDiff(session.cwd);
  if (!diff.trim()) return ctrl.note('no changes (git diff is empty)');
  ctrl.addEntry({ kind: 'diff', id: ctrl.localId('diff'), title: 'git diff', diff });
}

function sandboxLines(details: Session['sandboxDetails']): string[] {
  if (!details) return [];
  return [
    `hidden     ${details.hiddenPaths.join(', ') || 'nothing'}`,
    `sockets    host unix sockets refused${details.unixSockets.length ? `, except ${details.unixSockets.join(', ')}` : ''}`,
  ];
}

/** The configured MCP servers (started if need be): state, the reason it failed, tools. */
async function showMcp(ctrl: TuiController): Promise<void> {
  const threadId = ctrl.getState().session?.threadId ?? null;
  const { data } = await ctrl.connection.request('mcpServerStatus/list', {
    detail: 'toolsAndAuthOnly',
    threadId,
  });
  if (data.length === 0)
    return ctrl.note('no MCP servers configured ([mcp_servers.NAME] in ~/.yoke/config.toml)');
  const lines = data.flatMap((s) => {
    const names = Object.values(s.qualifiedNames ?? {}).sort();
    const why = s.toolsError ? ` — ${s.toolsError}` : '';
    return [
      `${s.name}  ${s.runtimeStatus ?? 'unknown'}  ${names.length} tools${why}`,
      ...names.map((name) => `  ${name}`),
    ];
  });
  return ctrl.note(lines.join('\n'));
}

export function statusText(ctrl: TuiController): string {
  const { session, overrides, usage, remote } = ctrl.getState();
  if (!session) return 'no thread open';
  const next = (value: string | null) => (value ? ` (next turn: ${value})` : '');
  const lines = [
    `thread     ${session.threadId}`,
    `model      ${session.model} (${session.modelProvider})${next(overrides.model)}`,
    `approvals  ${session.approvalPolicy}${next(overrides.approvalPolicy)}`,
    `sandbox    ${session.sandbox}`,
    ...sandboxLines(session.sandboxDetails),
    `cwd        ${session.cwd}`,
    `server     ${remote ?? 'in this process'}`,
  ];
  if (usage) {
    const { total, last, modelContextWindow } = usage;
    const window = modelContextWindow ? ` of ${compactCount(modelContextWindow)}` : '';
    lines.push(
      `tokens     ${compactCount(total.inputTokens)} in (${compactCount(total.cachedInputTokens)} cached), ${compactCount(total.outputTokens)} out`,
      `context    ${compactCount(last.inputTokens + last.outputTokens)}${window} in the last request`,
    );
  }
  return lines.join('\n');
}

// ---- the thread picker ----------------------------------------------------------------

export async function openPicker(ctrl: TuiController, all = false): Promise<void> {
  const { session } = ctrl.getState();
  const { threads, hidden } = await threadChoices(ctrl.connection, {
    cwd: session?.cwd ?? ctrl.startParams.cwd,
    current: session?.threadId ?? null,
    all,
  });
  const others = hidden ? `; ${hidden} task threads of other repositories: /resume --all` : '';
  if (threads.length === 0) return ctrl.note(`no other stored threads${others}`);
  ctrl.set({ picker: { kind: 'threads', threads, selected: 0, hidden } });
}

export function movePicker(ctrl: TuiController, delta: number): void {
  const picker = ctrl.getState().picker;
  if (!picker) return;
  const size = picker.kind === 'threads' ? picker.threads.length : picker.models.length;
  const selected = Math.max(0, Math.min(size - 1, picker.selected + delta));
  ctrl.set({ picker: { ...picker, selected } });
}

export async function choosePicked(ctrl: TuiController): Promise<void> {
  const picker = ctrl.getState().picker;
  ctrl.set({ picker: null });
  if (picker?.kind === 'models') {
    const model = picker.models[picker.selected];
    if (model) setModel(ctrl, model.id);
    return;
  }
  const choice = picker?.threads[picker.selected];
  if (choice) await ctrl.resumeThread(choice.id);
}

/** Esc in the picker; with no thread open yet (`yoke resume`), a new one starts instead. */
export async function cancelPicker(ctrl: TuiController): Promise<void> {
  ctrl.set({ picker: null });
  if (!ctrl.getState().session) await ctrl.startThread();
}
