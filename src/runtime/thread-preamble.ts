// A new thread's fixed context, sent once at its start and kept by compaction: the
// permissions it runs with, the project's AGENTS.md chain, and the environment.
import { discoverAgentsMd } from '../context/agents-md.ts';
import { environmentContext, permissionsMessage } from '../engine/prompt.ts';
import type { HistoryItem } from '../models/types.ts';
import { hiddenSummary } from '../sandbox/read-rules.ts';
import type { ResolvedConfig } from './config.ts';
import type { ThreadSettings } from './session-types.ts';

export function threadPreamble(
  settings: ThreadSettings,
  config: ResolvedConfig,
  createdAt: number,
): { items: HistoryItem[]; instructionSources: string[] } {
  const network = settings.networkAccess ?? config.networkAccess;
  const items: HistoryItem[] = [
    message(
      'developer',
      permissionsMessage({
        sandbox: settings.sandboxMode,
        approvalPolicy: settings.approvalPolicy,
        writableRoots: [settings.cwd, ...config.writableRoots],
        network,
        hidden: hiddenSummary(config.sandboxAccess.denyRead, config.sandboxAccess.allowRead),
      }),
    ),
  ];
  const agents = discoverAgentsMd({
    cwd: settings.cwd,
    home: config.home,
    fallbackNames: config.context.fallbackNames,
    maxBytes: config.context.agentsMdMaxBytes,
  });
  if (agents.text) items.push(message('user', agents.text));
  items.push(
    message(
      'user',
      environmentContext({
        cwd: settings.cwd,
        shell: 'bash',
        sandbox: settings.sandboxMode,
        approvalPolicy: settings.approvalPolicy,
        network,
        date: new Date(createdAt).toISOString().slice(0, 10),
      }),
    ),
  );
  return { items, instructionSources: agents.sources };
}

function message(role: 'developer' | 'user', text: string): HistoryItem {
  return { type: 'message', role, content: [{ type: 'input_text', text }] };
}
