// Config keys of the tools the agent runs.
//
//   command_timeout_ms = 600000          # a shell command is killed after this long
//   tool_output_budget_bytes = 24576     # output the model sees per call (head + tail)
import { durationMs, int } from './table.ts';

export const toolKeys = {
  command_timeout_ms: durationMs(),
  tool_output_budget_bytes: int(256, 16 * 1024 * 1024),
};
