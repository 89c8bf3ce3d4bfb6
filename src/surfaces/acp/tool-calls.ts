// Yoke's tool items as ACP tool calls: a command, a patch, a read-only helper or an MCP tool
// becomes a `tool_call` with a kind, a title, a status, locations and content (a diff for a
// file change, the output for a command). Pure: the live stream and `session/load` share it.
import type * as acp from '@agentclientprotocol/sdk';
import { displayedCommand } from '../../protocol/command-line.ts';
import type {
  CommandExecutionItem,
  DynamicToolCallItem,
  FileChangeItem,
  FileUpdateChange,
  McpToolCallItem,
  ThreadItem,
} from '../../protocol/items.ts';
import { isAbsolute, join } from 'node:path';
import { diffTexts } from './diff-texts.ts';

export type ToolItem =
  CommandExecutionItem | FileChangeItem | DynamicToolCallItem | McpToolCallItem;

export function isToolItem(item: ThreadItem): item is ToolItem {
  return (
    item.type === 'commandExecution' ||
    item.type === 'fileChange' ||
    item.type === 'dynamicToolCall' ||
    item.type === 'mcpToolCall'
  );
}

/** Everything ACP shows of a tool call, as it is now. */
export type ToolCallFields = Omit<acp.ToolCall, 'toolCallId'>;

export function toolCallFields(item: ToolItem): ToolCallFields {
  switch (item.type) {
    case 'commandExecution':
      return commandFields(item);
    case 'fileChange':
      return fileChangeFields(item);
    case 'dynamicToolCall':
      return dynamicFields(item);
    case 'mcpToolCall':
      return mcpFields(item);
  }
}

export function statusOf(status: ToolItem['status']): acp.ToolCallStatus {
  switch (status) {
    case 'inProgress':
      return 'in_progress';
    case 'completed':
      return 'completed';
    default:
      return 'failed';
  }
}

/** A command's output as tool call content: one fenced text block (none while empty). */
export function outputContent(output: string): acp.ToolCallContent[] {
  if (!output) return [];
  const fence = output.includes('```') ? '````' : '```';
  const body = output.endsWith('\n') ? output : `${output}\n`;
  return [{ type: 'content', content: { type: 'text', text: `${fence}\n${body}${fence}` } }];
}

function commandFields(item: CommandExecutionItem): ToolCallFields {
  const actions = item.commandActions;
  const kinds = new Set(
    actions.map((a) =>
      a.type === 'read' ? 'read' : a.type === 'search' || a.type === 'listFiles' ? 'search' : 'x',
    ),
  );
  const kind: acp.ToolKind =
    actions.length > 0 && kinds.size === 1 && !kinds.has('x')
      ? (kinds.values().next().value as acp.ToolKind)
      : 'execute';
  const locations = actions.flatMap((a) =>
    a.type === 'read' ? [{ path: absolute(item.cwd, a.path) }] : [],
  );
  return {
    title: displayedCommand(item.command),
    kind,
    status: statusOf(item.status),
    content: outputContent(item.aggregatedOutput ?? ''),
    locations,
    rawInput: { command: displayedCommand(item.command), cwd: item.cwd },
    ...(item.status === 'inProgress'
      ? {}
      : { rawOutput: { exitCode: item.exitCode, durationMs: item.durationMs } }),
  };
}

function fileChangeFields(item: FileChangeItem): ToolCallFields {
  const kinds = new Set(item.changes.map(changeKind));
  const kind: acp.ToolKind = kinds.size === 1 ? kinds.values().next().value! : 'edit';
  const verb = kind === 'delete' ? 'Delete' : kind === 'move' ? 'Move' : 'Edit';
  return {
    title: `${verb} ${item.changes.map((c) => c.path).join(', ')}`,
    kind,
    status: statusOf(item.status),
    content: item.changes.map(diffContent),
    locations: item.changes.map((c) => {
      const texts = diffTexts(c.diff);
      return texts.firstLine === null ? { path: c.path } : { path: c.path, line: texts.firstLine };
    }),
    rawInput: { changes: item.changes.map(({ path, kind }) => ({ path, kind: kind.type })) },
  };
}

function changeKind(change: FileUpdateChange): acp.ToolKind {
  if (change.kind.type === 'delete') return 'delete';
  if (change.kind.type === 'update' && change.kind.move_path) return 'move';
  return 'edit';
}

function diffContent(change: FileUpdateChange): acp.ToolCallContent {
  const { oldText, newText } = diffTexts(change.diff);
  const path =
    change.kind.type === 'update' && change.kind.move_path ? change.kind.move_path : change.path;
  return {
    type: 'diff',
    path,
    oldText: change.kind.type === 'add' ? null : oldText,
    newText: change.kind.type === 'delete' ? '' : newText,
  };
}

const DYNAMIC_KINDS: Record<string, acp.ToolKind> = {
  read_file: 'read',
  list_dir: 'search',
  grep: 'search',
  view_image: 'read',
  web_search: 'fetch',
};

function dynamicFields(item: DynamicToolCallItem): ToolCallFields {
  const args = (item.arguments ?? {}) as Record<string, unknown>;
  const path = typeof args.path === 'string' ? args.path : null;
  const detail = path ?? (typeof args.pattern === 'string' ? args.pattern : '');
  const text = item.contentItems?.map((c) => c.text).join('\n') ?? '';
  return {
    title: detail ? `${item.tool} ${detail}` : item.tool,
    kind: DYNAMIC_KINDS[item.tool] ?? 'other',
    status: statusOf(item.status),
    content: text ? [{ type: 'content', content: { type: 'text', text } }] : [],
    locations: path && isAbsolute(path) ? [{ path }] : [],
    rawInput: item.arguments,
  };
}

function mcpFields(item: McpToolCallItem): ToolCallFields {
  const blocks = (item.result?.content ?? []).flatMap((block): acp.ToolCallContent[] => {
    const b = block as { type?: unknown; text?: unknown };
    return b.type === 'text' && typeof b.text === 'string'
      ? [{ type: 'content', content: { type: 'text', text: b.text } }]
      : [];
  });
  if (item.error)
    blocks.push({ type: 'content', content: { type: 'text', text: item.error.message } });
  return {
    title: `${item.server}: ${item.tool}`,
    kind: item.readOnlyHint ? 'read' : 'other',
    status: statusOf(item.status),
    content: blocks,
    locations: [],
    rawInput: item.arguments,
  };
}

function absolute(cwd: string, path: string): string {
  return isAbsolute(path) ? path : join(cwd, path);
}
