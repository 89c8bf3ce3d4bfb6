// Prompt-cache discipline: each request body in a thread should extend the previous one.
//
// Both adapters serialize their history array LAST, so the body of a longer history starts
// with the previous body minus its closing `]}` (the array and the object). These helpers
// state that rule once, for the engine's checks, benchmarks and tests.

/** Length of the common prefix of two strings, in UTF-16 code units. */
export function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  // Whole blocks first (native string compare), then the mismatching block char by char.
  const block = 512;
  while (i + block <= max && a.slice(i, i + block) === b.slice(i, i + block)) i += block;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** The part of a request body that a later request must repeat: all but the closing `]}`. */
export function cacheablePrefix(body: string): string {
  return body.endsWith(']}') ? body.slice(0, -2) : body;
}

/** True when `next` repeats `previous` byte for byte, except for the closing `]}`. */
export function isPrefixExtension(previous: string, next: string): boolean {
  return next.startsWith(cacheablePrefix(previous));
}

/** How much of `next` (0…1) repeats `previous`; 1 means a full prefix-extension. */
export function prefixRatio(previous: string, next: string): number {
  const prefix = cacheablePrefix(previous);
  if (prefix.length === 0) return 1;
  return commonPrefixLength(prefix, next) / prefix.length;
}
