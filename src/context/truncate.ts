// Cutting tool output to a budget: keep the head and the tail, and say what was cut.

export type Truncated = { text: string; omittedBytes: number; omittedLines: number };

/**
 * Returns `text` unchanged when it fits in `budgetBytes`; otherwise the first and last parts
 * (split at line boundaries where possible) around a marker naming what was cut and where
 * the whole output can be found.
 */
export function truncateHeadTail(text: string, budgetBytes: number, where?: string): Truncated {
  const bytes = Buffer.byteLength(text);
  if (bytes <= budgetBytes) return { text, omittedBytes: 0, omittedLines: 0 };
  const buf = Buffer.from(text);
  const half = Math.floor(budgetBytes / 2);
  let headEnd = buf.lastIndexOf(0x0a, half);
  if (headEnd < half / 2) headEnd = half;
  else headEnd += 1;
  let tailStart = buf.indexOf(0x0a, bytes - half);
  if (tailStart === -1 || tailStart > bytes - half / 2) tailStart = bytes - half;
  else tailStart += 1;
  // Never split a UTF-8 sequence: back off continuation bytes.
  while (headEnd > 0 && (buf[headEnd]! & 0xc0) === 0x80) headEnd--;
  while (tailStart < bytes && (buf[tailStart]! & 0xc0) === 0x80) tailStart++;
  const omitted = buf.subarray(headEnd, tailStart);
  const omittedLines = countLines(omitted);
  const note = where ? `; ${where}` : '';
  const marker = `\n[… ${omitted.length} bytes (${omittedLines} lines) omitted${note} …]\n`;
  return {
    text: buf.subarray(0, headEnd).toString() + marker + buf.subarray(tailStart).toString(),
    omittedBytes: omitted.length,
    omittedLines,
  };
}

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}
