// Sticky settings changed by a turn or a resume: applied in place, and what the model must be
// told of the change (appended as a message, so the prompt prefix holds).
import type { ThreadSettings, TurnOverrides } from './session-types.ts';

export type SettingsChange = {
  /** What the model should hear of, as [before, after]. */
  told: Record<string, [string, string]>;
  /** The sandbox changed: the preamble's permissions no longer hold, so it is told even
   * before the first turn. */
  sandboxChanged: boolean;
};

/**
 * Applies `overrides`; null when nothing changed. `defaultNetwork` is the configured network
 * access, which holds while the thread has none of its own.
 */
export function applySettings(
  settings: ThreadSettings,
  overrides: TurnOverrides,
  defaultNetwork: boolean,
): SettingsChange | null {
  const previous = { ...settings };
  if (overrides.model) settings.model = overrides.model;
  if (overrides.cwd) settings.cwd = overrides.cwd;
  if (overrides.effort !== undefined) settings.reasoningEffort = overrides.effort;
  if (overrides.approvalPolicy) settings.approvalPolicy = overrides.approvalPolicy;
  if (overrides.sandboxMode) settings.sandboxMode = overrides.sandboxMode;
  if (overrides.networkAccess !== undefined) settings.networkAccess = overrides.networkAccess;
  if (overrides.writableRoots) settings.writableRoots = [...overrides.writableRoots];
  if (JSON.stringify(settings) === JSON.stringify(previous)) return null;
  const told: Record<string, [string, string]> = {};
  for (const key of ['model', 'cwd', 'sandboxMode', 'approvalPolicy'] as const) {
    if (previous[key] !== settings[key]) told[key] = [String(previous[key]), String(settings[key])];
  }
  const network = (s: ThreadSettings) =>
    (s.networkAccess ?? defaultNetwork) ? 'enabled' : 'disabled';
  if (network(previous) !== network(settings))
    told.networkAccess = [network(previous), network(settings)];
  const roots = (s: ThreadSettings) => (s.writableRoots ?? []).join(', ') || 'none';
  if (roots(previous) !== roots(settings))
    told.extraWritableRoots = [roots(previous), roots(settings)];
  const sandboxChanged = ['sandboxMode', 'networkAccess', 'extraWritableRoots'].some(
    (key) => key in told,
  );
  return { told, sandboxChanged };
}
