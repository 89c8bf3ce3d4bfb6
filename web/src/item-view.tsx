// One thread item, shown the way the terminal shows it: messages, reasoning, commands with
// their live output, file changes with their diffs, plans and tool calls.
import type { ThreadItem } from '../../src/protocol/items.ts';
import { displayedCommand } from '../../src/protocol/command-line.ts';
import { DiffView } from './diff-view.tsx';
import { duration, itemStatusClass, itemStatusText, relativePath } from './format.ts';
import { Markdown } from './markdown-view.tsx';

export function ItemView(props: {
  item: ThreadItem;
  live: boolean;
  cwd?: string;
  /** A question about this item waits for an answer (its card shows what is asked). */
  awaiting?: boolean;
  /** The item's turn was interrupted. */
  turnInterrupted?: boolean;
}) {
  const { item, live } = props;
  const state = {
    awaiting: props.awaiting === true,
    turnInterrupted: props.turnInterrupted === true,
  };
  switch (item.type) {
    case 'userMessage':
      return (
        <div class="item user" data-testid="item-user">
          <div class="who">you</div>
          <div class="text">
            {item.content.map((part, i) => (
              <span key={i}>{part.type === 'text' ? part.text : `[image ${describe(part)}]`}</span>
            ))}
          </div>
        </div>
      );
    case 'agentMessage':
      return (
        <div class="item agent" data-testid="item-agent">
          <div class="who">agent</div>
          <Markdown text={item.text} testId="agent-text" />
          {live && <span class="cursor">▍</span>}
        </div>
      );
    case 'reasoning':
      return (
        <details class="item reasoning" open={live}>
          <summary>thinking{live ? '…' : ''}</summary>
          <Markdown text={[...item.summary, ...item.content].join('\n\n')} />
        </details>
      );
    case 'commandExecution':
      return (
        <div class={`item command status-${item.status}`} data-testid="item-command">
          <div class="command-head">
            <code class="command-line">$ {displayedCommand(item.command)}</code>
            <Badge text={commandStatus(item, state)} />
          </div>
          <div class="command-cwd">{item.cwd}</div>
          {item.aggregatedOutput ? <pre class="output">{item.aggregatedOutput}</pre> : null}
        </div>
      );
    case 'fileChange':
      return (
        <div class={`item file-change status-${item.status}`} data-testid="item-file-change">
          <div class="command-head">
            <span>
              edited {item.changes.length} file{item.changes.length === 1 ? '' : 's'}
            </span>
            <Badge text={itemStatusText(item, state)} />
          </div>
          {/* While it waits for approval, the approval card shows the diff: once is enough. */}
          {state.awaiting && <div class="muted">the changes are shown with the question below</div>}
          {!state.awaiting &&
            item.changes.map((change) => (
              <DiffView
                key={change.path}
                title={`${change.kind.type} ${relativePath(change.path, [props.cwd])}`}
                diff={change.diff || '(no textual diff)'}
              />
            ))}
        </div>
      );
    case 'plan':
      return (
        <div class="item plan">
          <div class="who">plan</div>
          <Markdown text={item.text} />
        </div>
      );
    case 'dynamicToolCall':
      return (
        <details class={`item tool status-${item.status}`}>
          <summary>
            <code>{item.tool}</code> {argumentsLine(item.arguments)}{' '}
            <Badge text={itemStatusText(item, state)} />
            {item.durationMs != null && <span class="muted"> {duration(item.durationMs)}</span>}
          </summary>
          {item.contentItems?.map((c, i) => (
            <pre key={i} class="output">
              {c.text}
            </pre>
          ))}
        </details>
      );
    case 'mcpToolCall':
      return (
        <details class={`item tool status-${item.status}`} data-testid="item-mcp-tool-call">
          <summary>
            <code>
              {item.server}/{item.tool}
            </code>{' '}
            {argumentsLine(item.arguments)} <Badge text={itemStatusText(item, state)} />
            {item.durationMs != null && <span class="muted"> {duration(item.durationMs)}</span>}
          </summary>
          {item.error && <pre class="output">{item.error.message}</pre>}
          {item.result?.content.map((c, i) => (
            <pre key={i} class="output">
              {mcpContentText(c)}
            </pre>
          ))}
        </details>
      );
    case 'contextCompaction':
      return (
        <details class="item compaction">
          <summary>context compacted</summary>
          {item.summary && <Markdown text={item.summary} />}
        </details>
      );
    case 'error':
      return (
        <div class="item error-note" data-testid="item-error">
          ⚠ {item.message}
        </div>
      );
    case 'enteredReviewMode':
      return (
        <div class="item review" data-testid="item-review">
          reviewing {item.review}
        </div>
      );
    // The review itself follows, as the turn's last agent message (as Codex sends it).
    case 'exitedReviewMode':
      return (
        <div class="item review" data-testid="item-review">
          review finished
        </div>
      );
  }
}

/** An MCP content block as text: its text, or what it is (an image, a resource). */
function mcpContentText(block: unknown): string {
  const b = (block ?? {}) as { type?: string; text?: string; mimeType?: string; uri?: string };
  if (b.type === 'text') return b.text ?? '';
  if (b.type === 'image' || b.type === 'audio') return `[${b.type} ${b.mimeType ?? ''}]`;
  if (b.type === 'resource_link') return `[resource ${b.uri ?? ''}]`;
  const resource = (block as { resource?: { uri?: string; text?: string } }).resource;
  if (b.type === 'resource') return resource?.text ?? `[resource ${resource?.uri ?? ''}]`;
  return JSON.stringify(block);
}

function commandStatus(
  item: Extract<ThreadItem, { type: 'commandExecution' }>,
  state: { awaiting: boolean; turnInterrupted: boolean },
): string {
  const word = itemStatusText(item, state);
  if (item.status === 'inProgress' || word === 'interrupted' || item.status === 'declined')
    return word;
  const parts: string[] = [item.status];
  if (item.exitCode !== null) parts.push(`exit ${item.exitCode}`);
  if (item.durationMs !== null) parts.push(duration(item.durationMs));
  return parts.join(' · ');
}

/** A status badge; its class (colour) follows its first word. */
function Badge({ text }: { text: string }) {
  const word = text.split(' · ', 1)[0]!;
  const cls = word === 'completed' ? 'completed' : itemStatusClass(word);
  return <span class={`badge ${cls}`}>{text}</span>;
}

function describe(part: { type: string; url?: string; path?: string }): string {
  return part.path ?? (part.url?.startsWith('data:') ? 'inline' : (part.url ?? ''));
}

function argumentsLine(args: unknown): string {
  const text = typeof args === 'string' ? args : JSON.stringify(args);
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}
