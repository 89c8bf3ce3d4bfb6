// The start banner: the first entry of every thread shown, so a new user sees at once which
// model answers, where commands run, how they are confined and asked about, and whether the
// model's key is there.
import { CLI_VERSION } from '../../runtime/version.ts';
import type { Session } from './state.ts';
import type { Entry } from './transcript.ts';

export function bannerEntry(session: Session, keyStatus: string | null, remote: string | null) {
  const rows: [string, string][] = [
    ['model', `${session.model} (provider ${session.modelProvider})`],
    ['cwd', session.cwd],
    ['sandbox', session.sandbox],
    ['approvals', session.approvalPolicy],
    ['key', keyStatus ?? (remote ? `held by the App Server at ${remote}` : 'unknown')],
  ];
  const entry: Entry = {
    kind: 'banner',
    id: `banner:${session.threadId}`,
    title: `Yoke ${CLI_VERSION} | /help for commands, !CMD for a local shell`,
    rows,
  };
  return entry;
}

/** The banner's "key" row for a provider of this process's config. */
export function keyStatusOf(provider: { apiKey?: string; envKey?: string }): string {
  const name = provider.envKey ?? 'the API key';
  if (provider.apiKey) return `${name} is set`;
  return provider.envKey ? `${name} is not set` : 'none (the provider needs no key)';
}
