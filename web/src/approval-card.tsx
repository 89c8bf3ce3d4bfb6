// A pending approval: what the agent wants to do, and the three answers. Whichever surface
// answers first wins; the others see serverRequest/resolved and the card goes away.
import type { Approval, Decision } from './model.ts';
import { DiffView } from './diff-view.tsx';
import { FormCard } from './form-card.tsx';
import { relativePath } from './format.ts';
import { threadHref } from './router.ts';
import { mcpQuestion } from '../../src/client/elicitation.ts';
import { findItem, type ThreadView } from '../../src/client/thread-view.ts';
import { displayedCommand } from '../../src/protocol/command-line.ts';

const LABELS: Record<Decision, string> = {
  accept: 'Accept',
  acceptForSession: 'Accept for session',
  decline: 'Decline',
};

export function ApprovalCard(props: {
  approval: Approval;
  thread: ThreadView | undefined;
  showThreadLink?: boolean;
}) {
  const { approval, thread } = props;
  const name = thread?.thread?.name ?? thread?.thread?.preview ?? approval.threadId;
  const item = thread && approval.kind !== 'mcp' ? findItem(thread, approval.params.itemId) : null;
  const mcp = approval.kind === 'mcp' ? mcpQuestion(approval.params) : null;
  const reason = approval.kind === 'mcp' ? mcp!.reason : approval.params.reason;
  return (
    <div class="approval" data-testid="approval">
      <div class="approval-head">
        <strong>
          {approval.kind === 'command'
            ? 'Run this command?'
            : mcp
              ? mcp.tool
                ? 'Allow this MCP tool call?'
                : `The ${mcp.server} MCP server asks`
              : 'Apply these changes?'}
        </strong>
        {props.showThreadLink && (
          <a class="muted" href={threadHref(approval.threadId)}>
            {name}
          </a>
        )}
      </div>
      {approval.kind === 'command' ? (
        <div>
          <code class="command-line">
            $ {approval.params.command ? displayedCommand(approval.params.command) : '(command)'}
          </code>
          {approval.params.cwd && <div class="command-cwd">in {approval.params.cwd}</div>}
        </div>
      ) : approval.kind === 'mcp' ? (
        <div>
          <code class="command-line">
            {mcp!.server}: {mcp!.tool ? `${mcp!.tool} ${mcp!.args ?? ''}` : mcp!.message}
          </code>
          {mcp!.url && <div class="command-cwd">open {mcp!.url}</div>}
        </div>
      ) : item?.type === 'fileChange' ? (
        item.changes.map((c) => (
          <DiffView
            key={c.path}
            title={relativePath(c.path, [thread?.thread?.cwd])}
            diff={c.diff}
          />
        ))
      ) : (
        <div class="muted">
          a patch{approval.params.grantRoot ? ` under ${approval.params.grantRoot}` : ''}
        </div>
      )}
      {reason && <div class="reason">{reason}</div>}
      {mcp && mcp.form.length > 0 ? (
        <FormCard
          fields={mcp.form}
          onSubmit={(decision) => approval.answer(decision)}
          onDecline={() => approval.answer('decline')}
        />
      ) : (
        <div class="buttons">
          {approval.decisions.map((decision) => (
            <button
              key={decision}
              type="button"
              class={decision === 'decline' ? 'danger' : decision === 'accept' ? 'primary' : ''}
              data-testid={`approval-${decision}`}
              onClick={() => approval.answer(decision)}
            >
              {LABELS[decision]}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
