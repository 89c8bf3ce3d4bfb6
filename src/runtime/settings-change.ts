// Sticky settings changed by a turn or a resume: applied in place, and what the model must be
// told of the change (appended as a message, so the prompt prefix holds).
import type { ThreadSettings, TurnOverrides } from './session-types.ts';

/** Applies `overrides`; null when nothing changed, else the changes the model should hear of. */
export function applySettings(
  settings: ThreadSettings,
  overrides: TurnOverrides,
): Record<string, [string, string]> | null {
  const previous = { ...settings };
  if (overrides.model) settings.model = overrides.model;
  if (overrides.cwd) settings.cwd = overrides.cwd;
  if (overrides.effort !== undefined) settings.reasoningEffort = overrides.effort;
  if (overrides.approvalPolicy) settings.approvalPolicy = overrides.approvalPolicy;
  if (overrides.sandboxMode) settings.sandboxMode = overrides.sandboxMode;
  if (JSON.stringify(settings) === JSON.stringify(previous)) return null;
  const told: Record<string, [string, string]> = {};
  for (const key of ['model', 'cwd', 'sandboxMode', 'approvalPolicy'] as const) {
    if (previous[key] !== settings[key]) told[key] = [String(previous[key]), String(settings[key])];
  }
  return told;
}
