// Generated apply_patch cases for the differential test against the real Codex binary
// (test/apply-patch-codex.test.ts): workspaces whose files have every line-ending mix (LF,
// CRLF, lone CR, mixed; with and without a final newline) and patches that update with context
// (several sections, `@@ line` headers, `*** End of File`, pure additions), add, delete, move,
// add or move over an existing file, pad their markers, or fail (stale context, missing file).
// Deterministic: everything comes from one seeded PRNG.

export type Files = Record<string, string>;

/** What Yoke does on the twin input is what the case's side must have done. */
export type Twin = { files: Files; patch: string } | 'unchanged';

/**
 * `same`: Yoke and Codex must agree (success or failure, and the tree byte for byte). The other
 * kinds are the differences docs/apply-patch.md documents; for them `yoke`/`codex` say whether
 * each must succeed, `codexTwin` gives an input on which Yoke produces what Codex must produce,
 * and `yokeTwin` (optional) one on which Yoke produces what it must produce here.
 */
export type PatchCase = {
  id: number;
  tags: string[];
  files: Files;
  patch: string;
} & (
  | { kind: 'same' }
  | {
      kind: 'atomicity' | 'padded-move' | 'header-addition' | 'move-self' | 'bom' | 'lenient';
      yoke: boolean;
      codex: boolean;
      codexTwin: Twin;
      yokeTwin?: Twin;
    }
);

/** mulberry32: a small seeded PRNG. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Lines that repeat across and within files (so context can be ambiguous) or are odd. */
const VOCAB = [
  '',
  '  ',
  '}',
  '{',
  'return x;',
  '  return x;',
  'x = 1',
  '// note',
  'else:',
  '\tpass',
];

type Style = 'lf' | 'crlf' | 'cr' | 'mixed';
const ENDING: Record<Exclude<Style, 'mixed'>, string> = { lf: '\n', crlf: '\r\n', cr: '\r' };

/** A file as line texts; rendered with a style and with or without a final line ending. */
type Spec = { lines: string[]; style: Style; final: boolean };

class Builder {
  private label = 0;
  constructor(readonly g: Prng) {}

  /** A line: a labelled unique one (usable as an `@@` header) or one from the vocabulary. */
  line(): string {
    return this.g.chance(0.55) ? `L${++this.label} value` : this.g.pick(VOCAB);
  }

  spec(min = 0): Spec {
    const n = min + this.g.int(12);
    return {
      lines: Array.from({ length: n }, () => this.line()),
      style: this.g.pick<Style>(['lf', 'crlf', 'cr', 'mixed']),
      final: this.g.chance(0.6),
    };
  }

  render(spec: Spec): string {
    const endings = spec.lines.map(() =>
      spec.style === 'mixed' ? this.g.pick(['\n', '\r\n', '\r']) : ENDING[spec.style],
    );
    // A CR, then an empty line ending in LF, would read as one CRLF: that line ends in CRLF.
    for (let i = 1; i < endings.length; i++)
      if (endings[i - 1] === '\r' && spec.lines[i] === '' && endings[i] === '\n')
        endings[i] = '\r\n';
    // An empty last line exists only with its ending.
    if (!spec.final && spec.lines.at(-1)) endings[endings.length - 1] = '';
    return spec.lines.map((l, i) => l + endings[i]).join('');
  }

  adds(n: number): string[] {
    return Array.from({ length: n }, () => `+${this.line()}`);
  }

  /**
   * The `@@` sections of an update of `lines`, in file order; with `stale`, one context or
   * removed line is one the file does not have.
   */
  sections(lines: readonly string[], stale: boolean, tags: Set<string>): string[] {
    const g = this.g;
    const out: string[] = [];
    let cursor = 0;
    const count = 1 + g.int(3);
    for (let h = 0; h < count; h++) {
      const room = lines.length - cursor;
      if (room <= 0 || g.chance(0.12)) {
        // A pure addition: appended at the end; the search position stays where it was.
        out.push('@@', ...this.adds(1 + g.int(3)));
        tags.add('pure-addition');
        continue;
      }
      const start = cursor + g.int(Math.min(room, 5));
      const toEnd = g.chance(0.25);
      const length = toEnd ? lines.length - start : 1 + g.int(Math.min(lines.length - start, 6));
      const end = start + length;
      const removeFrom = start + g.int(length + 1);
      const removeTo = removeFrom + g.int(Math.min(end - removeFrom, 3) + 1);
      const added = removeTo === removeFrom ? 1 + g.int(3) : g.int(4);
      const headers = lines
        .slice(cursor, start)
        .map((text, i) => ({ text, at: cursor + i }))
        .filter((l) => l.text.startsWith('L'));
      if (headers.length > 0 && g.chance(0.4)) {
        out.push(`@@ ${g.pick(headers).text}`);
        tags.add('header');
      } else if (h > 0 || out.length > 0 || g.chance(0.9)) out.push('@@');
      else tags.add('no-@@');
      const body: string[] = [];
      for (let k = start; k < removeFrom; k++) body.push(` ${lines[k]}`);
      for (let k = removeFrom; k < removeTo; k++) body.push(`-${lines[k]}`);
      body.push(...this.adds(added));
      for (let k = removeTo; k < end; k++) body.push(` ${lines[k]}`);
      out.push(...body);
      if (end === lines.length && g.chance(0.6)) {
        out.push('*** End of File');
        tags.add('end-of-file');
      }
      cursor = end;
    }
    if (stale) {
      const old = out
        .map((l, i) => ({ l, i }))
        .filter(({ l }) => l.startsWith(' ') || l.startsWith('-'));
      if (old.length > 0) out[g.pick(old).i] = ` nowhere ${g.int(1000)}`;
      else out.push('@@', ` nowhere ${g.int(1000)}`, ...this.adds(1));
    }
    return out;
  }
}

const pad = (g: Prng, text: string): string =>
  `${g.pick(['', ' ', '  ', '\t'])}${text}${g.pick(['', ' ', '\t'])}`;

const wrap = (g: Prng, body: readonly string[], padded: boolean): string =>
  [
    padded ? pad(g, '*** Begin Patch') : '*** Begin Patch',
    ...body,
    padded ? pad(g, '*** End Patch') : '*** End Patch',
  ].join('\n');

type OpKind =
  | 'update'
  | 'move'
  | 'move-over'
  | 'add'
  | 'add-over'
  | 'delete'
  | 'stale'
  | 'update-missing'
  | 'delete-missing';
const OPS: OpKind[] = [
  'update',
  'update',
  'update',
  'move',
  'move-over',
  'add',
  'add-over',
  'delete',
  'stale',
  'update-missing',
  'delete-missing',
];
const FAILS = new Set<OpKind>(['stale', 'update-missing', 'delete-missing']);

/** A workspace and a patch of 1–3 operations on distinct files. */
function regularCase(b: Builder, id: number): PatchCase {
  const g = b.g;
  const tags = new Set<string>();
  const files: Files = {};
  const specs = new Map<string, Spec>();
  const names = ['a.txt', 'dir/b.txt', 'c', 'dir/sub/d.md', 'e.txt'];
  const existing = names.slice(0, 2 + g.int(3));
  for (const name of existing) {
    const spec = b.spec();
    specs.set(name, spec);
    files[name] = b.render(spec);
    tags.add(spec.lines.length === 0 ? 'empty-file' : spec.style);
    if (!spec.final && spec.lines.length > 0) tags.add('no-final-newline');
  }
  const free = [...existing];
  const take = (): string | null =>
    free.length > 0 ? free.splice(g.int(free.length), 1)[0]! : null;
  const ops: { kind: OpKind; text: string[] }[] = [];
  const count = 1 + g.int(3);
  for (let n = 0; n < count; n++) {
    const kind = g.pick(OPS);
    const padHeader =
      (ops.length === 0 || !ops.at(-1)!.text[0]!.includes('Update')) && g.chance(0.3);
    const header = (text: string) => (padHeader ? (tags.add('padded-header'), pad(g, text)) : text);
    const newName = `new/n${n}.txt`;
    if (kind === 'add' || kind === 'update-missing' || kind === 'delete-missing') {
      const text =
        kind === 'add'
          ? [header(`*** Add File: ${newName}`), ...b.adds(g.int(4))]
          : kind === 'delete-missing'
            ? [header(`*** Delete File: missing${n}.txt`)]
            : [header(`*** Update File: missing${n}.txt`), '@@', '-x', '+y'];
      ops.push({ kind, text });
      tags.add(kind);
      continue;
    }
    const name = take();
    if (name === null) continue;
    const lines = specs.get(name)!.lines;
    if (kind === 'delete') ops.push({ kind, text: [header(`*** Delete File: ${name}`)] });
    else if (kind === 'add-over')
      ops.push({ kind, text: [header(`*** Add File: ${name}`), ...b.adds(g.int(4))] });
    else {
      let moveTo: string | null = null;
      if (kind === 'move') moveTo = g.chance(0.5) ? newName : `moved-${n}.txt`;
      if (kind === 'move-over') {
        moveTo = take();
        if (moveTo === null) continue;
      }
      const text = [header(`*** Update File: ${name}`)];
      if (moveTo !== null) text.push(`*** Move to: ${moveTo}`);
      text.push(...b.sections(lines, kind === 'stale', tags));
      ops.push({ kind, text });
    }
    tags.add(kind);
  }
  if (ops.length === 0) return regularCase(b, id);
  const padded = g.chance(0.3);
  if (padded) tags.add('padded-markers');
  const text = wrap(
    g,
    ops.flatMap((o) => o.text),
    padded,
  );
  // Sometimes the patch itself comes with CRLF line endings.
  const crlf = g.chance(0.1);
  if (crlf) tags.add('crlf-patch');
  const patch = crlf ? text.replace(/\n/g, '\r\n') : text;
  const failing = ops.findIndex((o) => FAILS.has(o.kind));
  const base = { id, tags: [...tags].sort(), files, patch };
  if (failing <= 0) return { ...base, kind: 'same' };
  // Codex has written the operations before the failing one; Yoke nothing.
  const prefix = wrap(
    g,
    ops.slice(0, failing).flatMap((o) => o.text),
    false,
  );
  return {
    ...base,
    kind: 'atomicity',
    yoke: false,
    codex: false,
    yokeTwin: 'unchanged',
    codexTwin: { files, patch: prefix },
  };
}

/** A case for one of the documented differences. */
function differenceCase(b: Builder, id: number): PatchCase {
  const g = b.g;
  const spec = b.spec(3);
  spec.lines[0] = `first ${id}`;
  const text = b.render(spec);
  const files: Files = { 'f.txt': text, 'other.txt': 'x\n' };
  const kind = g.pick(['padded-move', 'header-addition', 'move-self', 'bom', 'lenient'] as const);
  const lines = spec.lines;
  const edit = ['@@', `-${lines[0]}`, `+${lines[0]} edited`];
  if (kind === 'padded-move') {
    const patch = wrap(g, ['*** Update File: f.txt', '  *** Move to: g.txt', ...edit], false);
    const plain = wrap(g, ['*** Update File: f.txt', '*** Move to: g.txt', ...edit], false);
    return {
      id,
      tags: [kind],
      files,
      patch,
      kind,
      yoke: true,
      codex: false,
      codexTwin: 'unchanged',
      yokeTwin: { files, patch: plain },
    };
  }
  if (kind === 'header-addition') {
    // A labelled line that is not the last one: inserting after it differs from appending.
    const at = g.int(lines.length - 1);
    lines[at] = `L${at} header ${id}`;
    const withHeader = { ...files, 'f.txt': b.render(spec) };
    const adds = Array.from({ length: 1 + g.int(3) }, (_, k) => `+added ${id}.${k}`);
    const patch = wrap(g, ['*** Update File: f.txt', `@@ ${lines[at]}`, ...adds], false);
    return {
      id,
      tags: [kind],
      files: withHeader,
      patch,
      kind,
      yoke: true,
      codex: true,
      codexTwin: {
        files: withHeader,
        patch: wrap(g, ['*** Update File: f.txt', '@@', ...adds], false),
      },
      yokeTwin: {
        files: withHeader,
        patch: wrap(g, ['*** Update File: f.txt', '@@', ` ${lines[at]}`, ...adds], false),
      },
    };
  }
  if (kind === 'move-self') {
    const patch = wrap(g, ['*** Update File: f.txt', '*** Move to: f.txt', ...edit], false);
    return {
      id,
      tags: [kind],
      files,
      patch,
      kind,
      yoke: true,
      codex: true,
      codexTwin: { files, patch: wrap(g, ['*** Delete File: f.txt'], false) },
      yokeTwin: { files, patch: wrap(g, ['*** Update File: f.txt', ...edit], false) },
    };
  }
  if (kind === 'lenient') return lenientCase(b, id, files, lines);
  // A BOM: Codex keeps it in the first line, so context naming that line does not match.
  const bomFiles = { ...files, 'f.txt': `\uFEFF${text}` };
  return {
    id,
    tags: [kind],
    files: bomFiles,
    patch: wrap(g, ['*** Update File: f.txt', ...edit], false),
    kind,
    yoke: true,
    codex: false,
    codexTwin: 'unchanged',
  };
}

/**
 * A patch Codex refuses and Yoke accepts (docs/apply-patch.md), with the plain patch Yoke must
 * treat it as. `lines[0]` is unique in the file and the file has at least three lines.
 */
function lenientCase(b: Builder, id: number, files: Files, lines: readonly string[]): PatchCase {
  const g = b.g;
  const update = '*** Update File: f.txt';
  const first = [`-${lines[0]}`, `+${lines[0]} edited`];
  const second = [`-${lines[1]}`, `+${lines[1]} edited`];
  const variants: [string, string[], string[]][] = [
    ['fence', [update, '@@', ...first], [update, '@@', ...first]],
    [
      'blank-in-add',
      ['*** Add File: n.txt', '+a', '', '+b'],
      ['*** Add File: n.txt', '+a', '+', '+b'],
    ],
    ['unified-header', [update, '@@ -1,3 +1,3 @@', ...first], [update, '@@', ...first]],
    ['short-header', [update, '@@ first', ...second], [update, `@@ ${lines[0]}`, ...second]],
    [
      'repeated-header',
      [update, `@@ ${lines[0]}`, ` ${lines[0]}`, ...second],
      [update, '@@', ` ${lines[0]}`, ...second],
    ],
    [
      'end-of-file-elsewhere',
      [update, '@@', ...first, '*** End of File'],
      [update, '@@', ...first],
    ],
  ];
  const [variant, body, plain] = g.pick(variants);
  const patch = wrap(g, body, false);
  return {
    id,
    tags: ['lenient', variant],
    files,
    patch: variant === 'fence' ? `\`\`\`\n${patch}\n\`\`\`` : patch,
    kind: 'lenient',
    yoke: true,
    codex: false,
    codexTwin: 'unchanged',
    yokeTwin: { files, patch: wrap(g, plain, false) },
  };
}

/** `count` cases from `seed`: about one in six shows a documented difference. */
export function generateCases(seed: number, count: number): PatchCase[] {
  const b = new Builder(new Prng(seed));
  return Array.from({ length: count }, (_, id) =>
    b.g.chance(1 / 6) ? differenceCase(b, id) : regularCase(b, id),
  );
}
