// Config keys of what the model is shown: AGENTS.md, compaction, the model catalog.
//
//   project_doc_fallback_filenames = ["CLAUDE.md"]
//   project_doc_max_bytes = 32768
//   model_auto_compact_token_limit = 100000
//   auto_compact_share = 0.8
//   [model_catalog."my-model"]            # a model id, or a prefix ending in *
//   context_window = 32768
//   max_output_tokens = 4096
//   reasoning = false
//   default_reasoning_effort = "medium"
import * as z from 'zod';
import { ReasoningEffort } from '../../protocol/thread.ts';
import { int, namedTables, table } from './table.ts';

const tokens = int(1);

export const ModelCatalogKeys = table({
  context_window: tokens,
  max_output_tokens: tokens,
  reasoning: z.boolean(),
  default_reasoning_effort: ReasoningEffort,
});

export const contextKeys = {
  project_doc_fallback_filenames: z.array(
    z.string().regex(/^[^/\\]+$/, 'expected a file name (no folders)'),
  ),
  project_doc_max_bytes: int(0, 16 * 1024 * 1024),
  model_auto_compact_token_limit: tokens,
  auto_compact_share: z.number().gt(0).lte(1),
  model_catalog: namedTables(ModelCatalogKeys),
};
