// Token counting: exact counts with gpt-tokenizer (o200k_base, the GPT-4o / GPT-5 / o-series
// encoding), and a fast estimate for hot paths.
//
// Loading the encoding costs about 200 ms and tens of MB, so it happens only when an exact
// count is first asked for — never at start-up. The import specifier is held in a variable so
// that esbuild leaves the package out of the CLI bundle (a literal `import('…')` would inline
// its multi-megabyte rank table into dist/yoke.js, to be read and parsed on every start); at
// run time it resolves from node_modules like any dependency.
//
// For Claude and local models o200k is an approximation (their tokenizers are not public or
// differ); it is still far closer than bytes/4 for code and non-English text.

import type * as O200k from 'gpt-tokenizer/encoding/o200k_base';

const ENCODING_MODULE = 'gpt-tokenizer/encoding/o200k_base';

type Encoding = typeof O200k;

/** Special-token text such as `<|endoftext|>` is counted as ordinary text, never refused:
 * tool output and files may contain it. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

let encoding: Encoding | null = null;
let loading: Promise<Encoding> | null = null;

/** bytes / 4, rounded up: the usual rule of thumb, for hot paths and before the load. */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / 4);
}

/** Loads the encoding once; later calls return the same promise. */
export function loadTokenizer(): Promise<void> {
  loading ??= (import(ENCODING_MODULE) as Promise<Encoding>).then(
    (loaded) => (encoding = loaded),
    (err: unknown) => {
      loading = null; // let a later call try again
      throw err;
    },
  );
  return loading.then(() => undefined);
}

export function isTokenizerLoaded(): boolean {
  return encoding !== null;
}

/** The exact o200k_base token count, loading the encoding on first use. */
export async function countTokens(text: string): Promise<number> {
  if (encoding === null) await loadTokenizer();
  return (encoding as Encoding).countTokens(text, AS_TEXT);
}

/** The exact count when the encoding is already loaded, else the estimate — for code that
 * must not wait. */
export function countTokensNow(text: string): { tokens: number; exact: boolean } {
  if (encoding === null) return { tokens: estimateTokens(text), exact: false };
  return { tokens: encoding.countTokens(text, AS_TEXT), exact: true };
}
