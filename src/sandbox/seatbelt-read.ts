// The Seatbelt side of the hidden paths (read-rules.ts) and of the allowed host unix sockets.
// SBPL applies the last rule that matches, so the read rules go out sorted by depth, parents
// first: the deepest of a hidden path, a hole and a writable root decides, as with bwrap.
import { depthOf, isWithin, type ReadRules } from './read-rules.ts';

export type SeatbeltReadRules = {
  /** Rules to append after the profile's `(allow file-read*)`. */
  text: string;
  /** `(require-not …)` clauses for the write rule: hidden paths inside the writable roots. */
  writeExclusions: string[];
};

/**
 * Read rules for `read` (literal paths, plus `realHidden`: the real paths of hidden symlinks,
 * since Seatbelt checks real paths). Adds the -D parameters it refers to into `params`. Pure.
 */
export function seatbeltReadRules(
  read: ReadRules,
  roots: readonly string[],
  realHidden: readonly string[],
  params: Record<string, string>,
): SeatbeltReadRules {
  const hidden = [...new Set([...read.denied, ...realHidden])];
  const visible = [...new Set([...read.allowed, ...roots])].filter((path) =>
    hidden.some((h) => isWithin(path, h) && h !== path),
  );
  const rules = [
    ...hidden.map((path) => ({ path, allow: false })),
    ...visible.map((path) => ({ path, allow: true })),
  ].sort((a, b) => depthOf(a.path) - depthOf(b.path) || Number(a.allow) - Number(b.allow));
  const lines: string[] = [];
  const writeExclusions: string[] = [];
  rules.forEach(({ path, allow }, i) => {
    const name = `${allow ? 'VISIBLE' : 'HIDDEN'}_${i}`;
    params[name] = path;
    lines.push(
      allow
        ? `(allow file-read* (subpath (param "${name}")))`
        : `(deny file-read* file-write* (subpath (param "${name}")))`,
    );
    // A hidden path that holds a root must not stop writes to that root.
    if (!allow && !roots.some((root) => isWithin(root, path)))
      writeExclusions.push(`(require-not (subpath (param "${name}")))`);
  });
  const text = lines.length
    ? `\n; hidden: credentials and Yoke's state; the deepest rule wins\n${lines.join('\n')}\n`
    : '';
  return { text, writeExclusions };
}

/**
 * Unix-socket rules: connecting to a socket outside the sandbox is refused, except to the ones
 * the policy lists. Appended after the network rules (the last match wins).
 */
export function seatbeltSocketRules(
  sockets: readonly string[],
  params: Record<string, string>,
): string {
  const allowed = sockets.map((path, i) => {
    params[`SOCKET_${i}`] = path;
    return `(allow network-outbound (remote unix-socket (path-literal (param "SOCKET_${i}"))))`;
  });
  return (
    '\n; host unix sockets (tmux, docker, ssh-agent…) are ways out: only the listed ones\n' +
    '(deny network-outbound (remote unix-socket))\n' +
    (allowed.length ? `(allow system-socket)\n${allowed.join('\n')}\n` : '')
  );
}
