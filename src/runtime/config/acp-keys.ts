// Config keys of `yoke acp` (an editor driving Yoke over the Agent Client Protocol).
//
//   [acp]
//   editor_terminal = true    # commands start in the editor's terminal when it offers one,
//                             # still inside Yoke's sandbox (default false: Yoke starts them)
import * as z from 'zod';
import { table } from './table.ts';

export const acpKeys = {
  acp: table({ editor_terminal: z.boolean() }),
};
