// apply_patch, property-based (fast-check, fixed seeds): for random files a and b, the patch
// written from them in the Codex format (test/support/patch-gen.ts) applied to a gives b —
// in memory for many pairs, and on disk through the tool for whole workspaces (add, delete,
// update, move in one patch), keeping each file's line endings and BOM, with Codex's final-newline
// rule (an updated file ends with a line ending).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { parsePatch } from '../src/tools/patch/parse.ts';
import { updateText } from '../src/tools/patch/apply.ts';
import { addSection, linesOf, updateSection, wrapPatch } from './support/patch-gen.ts';
import { run, snapshot, tempWorkspaces, type Workspaces } from './support/patch-workspace.ts';

/** Lines that repeat (so context is ambiguous), look like patch syntax, or are odd. */
const POOL = [
  '',
  ' ',
  '\t',
  'a',
  'b',
  '}',
  '  return x;',
  '  return x; ',
  '*** End Patch',
  '*** End of File',
  '*** Add File: x',
  '@@',
  '@@ -1,2 +1,2 @@',
  '-',
  '+',
  '+ added?',
  '- removed?',
  '“quoted”',
  '"quoted"',
  'é ü 中文 🙂',
  '\u00a0',
];
const line = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POOL) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')) },
);
const lines = fc.array(line, { maxLength: 40 });

type Shape = { eol: '\n' | '\r\n'; final: boolean; bom: boolean };
const shape = fc.record({
  eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'),
  final: fc.boolean(),
  bom: fc.boolean(),
});

function render(ls: readonly string[], s: Shape): string {
  if (ls.length === 0) return s.bom ? '\uFEFF' : '';
  return `${s.bom ? '\uFEFF' : ''}${ls.join(s.eol)}${s.final ? s.eol : ''}`;
}

/**
 * The shape of an updated file (Codex's rules): its BOM, the ending of its first line for the
 * lines the patch adds (LF when it has none), and always a final newline.
 */
function updatedShape(text: string): Shape {
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  const first = /\r\n|\n/.exec(body)?.[0] ?? '\n';
  return { eol: first === '\r\n' ? '\r\n' : '\n', final: true, bom };
}

/** b as a few random edits of a (insert, delete, replace), so a and b share most lines. */
const edited = (a: string[]) =>
  fc
    .array(
      fc.record({
        at: fc.nat(),
        kind: fc.constantFrom('insert', 'delete', 'replace'),
        text: fc.array(line, { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      const b = [...a];
      for (const e of edits) {
        const at = b.length === 0 ? 0 : e.at % (b.length + 1);
        if (e.kind === 'insert' || b.length === 0) b.splice(at, 0, ...e.text);
        else if (e.kind === 'delete') b.splice(Math.min(at, b.length - 1), 1 + (e.at % 3));
        else b.splice(Math.min(at, b.length - 1), 1, ...e.text);
      }
      return b;
    });

const pair = lines.chain((a) => fc.tuple(fc.constant(a), fc.oneof(edited(a), lines), shape));

test('apply(patch(a, b), a) == b for random texts (in memory)', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(pair, ([a, b, s]) => {
      const before = render(a, s);
      const wanted = render(b, s);
      // As text: a trailing empty line without a final newline is a final newline.
      const expected = render(linesOf(wanted), updatedShape(before));
      const section = updateSection('f.txt', before, wanted);
      if (section === null) return;
      const patch = wrapPatch([section]);
      const ops = parsePatch(patch);
      assert.equal(ops.length, 1);
      const op = ops[0]!;
      assert.equal(op.type, 'update');
      const after = updateText(before, op.type === 'update' ? op.chunks : [], 'f.txt');
      assert.equal(JSON.stringify(after), JSON.stringify(expected), patch);
    }),
    { seed: 11_2024, numRuns: 1500 },
  );
});

let spaces: Workspaces;
before(async () => {
  spaces = await tempWorkspaces();
});
after(() => spaces.cleanup());

const fileName = fc.constantFrom('a.txt', 'b.txt', 'src/c.ts', 'src/deep/d.md', 'e');
type Plan = { name: string; a: string[] | null; b: string[] | null; moveTo: string | null };
const workspacePlan = fc.uniqueArray(fileName, { minLength: 1, maxLength: 5 }).chain((names) =>
  fc.tuple(
    ...names.map((name) =>
      lines.chain((a) =>
        fc.record({
          name: fc.constant(name),
          a: fc.oneof(fc.constant(a), fc.constant(null)),
          b: fc.oneof(
            { weight: 4, arbitrary: edited(a) },
            { weight: 1, arbitrary: fc.constant(null) },
          ),
          moveTo: fc.option(fc.constant(`moved/${name}`), { freq: 4 }),
        }),
      ),
    ),
  ),
);

test(
  'a random workspace patch (add, delete, update, move) gives exactly the new files',
  { timeout: 120_000 },
  async () => {
    await fc.assert(
      fc.asyncProperty(workspacePlan, shape, async (plans: Plan[], s) => {
        const files: Record<string, string> = {};
        const expected: Record<string, string> = {};
        const sections: string[] = [];
        for (const p of plans) {
          if (p.a === null && p.b === null) continue;
          if (p.a === null) {
            const content = render(p.b!, { eol: '\n', final: true, bom: false });
            sections.push(addSection(p.name, content));
            expected[p.name] = content;
            continue;
          }
          files[p.name] = render(p.a, s);
          if (p.b === null) {
            sections.push(`*** Delete File: ${p.name}`);
            continue;
          }
          const section = updateSection(p.name, render(p.a, s), render(p.b, s));
          if (section === null) {
            expected[p.name] = render(p.a, s);
            continue;
          }
          const target = p.moveTo ?? p.name;
          const [head, ...rest] = section.split('\n');
          sections.push(
            p.moveTo ? [head, `*** Move to: ${p.moveTo}`, ...rest].join('\n') : section,
          );
          expected[target] = render(linesOf(render(p.b, s)), updatedShape(render(p.a, s)));
        }
        if (sections.length === 0) return;
        const { ws } = await spaces.workspace(files);
        await run(ws, wrapPatch(sections));
        const after = await snapshot(ws);
        const got = Object.fromEntries(Object.entries(after).filter(([, v]) => v !== 'dir'));
        assert.deepEqual(
          Object.fromEntries(Object.entries(got).map(([k, v]) => [k.split(path.sep).join('/'), v])),
          expected,
        );
        await fs.rm(ws, { recursive: true, force: true });
      }),
      { seed: 20_251_127, numRuns: 150 },
    );
  },
);
