// The session modes an editor offers: Yoke's approval modes, each an approval policy and a
// sandbox. `session/set_mode` changes them from the next prompt on.
import type * as acp from '@agentclientprotocol/sdk';
import type { AskForApproval, SandboxMode, SandboxPolicy } from '../../protocol/thread.ts';

export type ModeId = 'read-only' | 'ask' | 'auto';

type Mode = {
  id: ModeId;
  name: string;
  description: string;
  approvalPolicy: AskForApproval;
  sandbox: SandboxMode;
};

export const MODES: readonly Mode[] = [
  {
    id: 'read-only',
    name: 'Read only',
    description: 'Reads and runs commands in a read-only sandbox; asks before any change.',
    approvalPolicy: 'on-request',
    sandbox: 'read-only',
  },
  {
    id: 'ask',
    name: 'Ask',
    description: 'Asks before every edit and every command not known to be safe.',
    approvalPolicy: 'untrusted',
    sandbox: 'workspace-write',
  },
  {
    id: 'auto',
    name: 'Auto',
    description: 'Edits and runs commands in the workspace sandbox; asks only to go outside it.',
    approvalPolicy: 'on-request',
    sandbox: 'workspace-write',
  },
];

export const MODE_IDS = MODES.map((m) => m.id);

export function isModeId(id: string): id is ModeId {
  return MODES.some((m) => m.id === id);
}

export function modeOf(id: ModeId): Mode {
  return MODES.find((m) => m.id === id)!;
}

export function modeState(current: ModeId): acp.SessionModeState {
  return {
    currentModeId: current,
    availableModes: MODES.map(({ id, name, description }) => ({ id, name, description })),
  };
}

/** The sandbox policy `turn/start` takes for a mode. */
export function sandboxPolicyOf(id: ModeId): SandboxPolicy {
  return modeOf(id).sandbox === 'read-only' ? { type: 'readOnly' } : { type: 'workspaceWrite' };
}

/** The mode a stored thread runs in, from its settings (anything unknown reads as `ask`). */
export function modeFromSettings(approvalPolicy: AskForApproval, sandbox: SandboxPolicy): ModeId {
  if (sandbox.type === 'readOnly') return 'read-only';
  return approvalPolicy === 'untrusted' ? 'ask' : 'auto';
}
