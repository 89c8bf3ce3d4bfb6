// The answer to `initialize`, and what a connection keeps of the request. No zod here: the
// app server's start-up stage (src/surfaces/cli/app-server-boot.ts) answers the handshake with
// this before the rest of Yoke is loaded, and the method table answers every later one with it.
import type { ClientInfo, InitializeCapabilities, ResultOf } from '../protocol/methods.ts';
import { CLI_VERSION } from '../runtime/version.ts';

/** What a connection keeps of its `initialize` request. */
export type Handshake = {
  clientInfo: ClientInfo;
  capabilities: InitializeCapabilities | null;
};

export function initializeResult(home: string): ResultOf<'initialize'> {
  return {
    // Names Yoke without a `product/version` first word: the Codex TUI reads a version from
    // that form and warns that an "older Codex service" is running.
    userAgent: `Yoke ${CLI_VERSION} (Codex App Server v2)`,
    codexHome: home,
    platformFamily: process.platform === 'win32' ? 'windows' : 'unix',
    platformOs: process.platform === 'darwin' ? 'macos' : process.platform,
  };
}

/**
 * The handshake of an `initialize` request's params when they have the plain shape every client
 * sends (strings where strings go, nothing of the wrong type), or null: then the method table's
 * validation decides, with its precise error. Unknown keys are dropped, as the table's parse
 * drops them.
 */
export function plainHandshake(params: unknown): Handshake | null {
  if (!isRecord(params) || !isRecord(params.clientInfo)) return null;
  const { name, title, version } = params.clientInfo;
  if (typeof name !== 'string' || typeof version !== 'string') return null;
  if (title !== undefined && title !== null && typeof title !== 'string') return null;
  const clientInfo: ClientInfo = { name, ...(title === undefined ? {} : { title }), version };
  const caps = params.capabilities;
  if (caps === undefined || caps === null) return { clientInfo, capabilities: null };
  if (!isRecord(caps)) return null;
  const { experimentalApi, optOutNotificationMethods: optOut } = caps;
  if (experimentalApi !== undefined && typeof experimentalApi !== 'boolean') return null;
  if (
    optOut !== undefined &&
    optOut !== null &&
    !(Array.isArray(optOut) && optOut.every((m) => typeof m === 'string'))
  )
    return null;
  return {
    clientInfo,
    capabilities: {
      ...(experimentalApi === undefined ? {} : { experimentalApi }),
      ...(optOut === undefined ? {} : { optOutNotificationMethods: optOut as string[] | null }),
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
