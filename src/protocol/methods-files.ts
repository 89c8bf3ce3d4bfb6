// Files of the workspace as a Codex client asks for them: fuzzyFileSearch (the Codex TUI's
// @-mention picker). Field names follow Codex App Server v2 (snake_case inside results, as
// Codex has them).
import * as z from 'zod';
import { def } from './method-def.ts';

export const FuzzyFileSearchResult = z.object({
  root: z.string(),
  path: z.string(),
  file_name: z.string(),
  match_type: z.enum(['file', 'directory']),
  score: z.number().int(),
  indices: z.array(z.number().int()).nullable().optional(),
});

export const fileMethods = {
  fuzzyFileSearch: def(
    'clientRequest',
    'Files under the roots whose path fuzzily matches the query (characters in order), best ' +
      'first, at most 50, with the positions that matched. Lists files as `rg --files` does ' +
      '(.gitignore honoured) and reuses a root’s listing for a few seconds.',
    () =>
      z.object({
        query: z.string(),
        roots: z.array(z.string()),
        cancellationToken: z.string().nullable().optional(),
      }),
    () => z.object({ files: z.array(FuzzyFileSearchResult) }),
  ),
} as const;
