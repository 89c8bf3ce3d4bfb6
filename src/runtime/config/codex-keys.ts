// Codex config keys a user (or the Codex SDK) may carry over that Yoke accepts and does not
// act on: no warning, whatever their value.
import * as z from 'zod';

export const codexKeys = {
  web_search: z.unknown(),
  model_reasoning_summary: z.unknown(),
  model_verbosity: z.unknown(),
  show_raw_agent_reasoning: z.unknown(),
  analytics: z.unknown(),
  // What Codex clients record with config/value/write: trusted projects, dismissed notices.
  projects: z.unknown(),
  notice: z.unknown(),
};
