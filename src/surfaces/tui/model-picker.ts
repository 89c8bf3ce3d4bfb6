// /model: a picker of the models the App Server's model/list offers (what the provider lists,
// described from Yoke's model catalogue), and `/model NAME` checked against the same list. A
// name nobody knows is refused with the nearest listed one as a hint, instead of failing at
// the next turn. When the provider's list could not be read, the server sends the catalogue's
// entries (hidden, ids such as `gpt-5*`) and a name they match is taken, said unconfirmed.
import type { Model } from '../../protocol/methods.ts';
import type { TuiController } from './controller.ts';
import type { ModelChoice, PickerState } from './state.ts';
import { sanitize, textWidth, truncate } from './text-layout.ts';
import type { Line } from './transcript-lines.ts';
import { ruleLine } from './panels.ts';

function currentModel(ctrl: TuiController): string | null {
  const { overrides, session } = ctrl.getState();
  return overrides.model ?? session?.model ?? null;
}

async function models(ctrl: TuiController): Promise<Model[]> {
  const { data } = await ctrl.connection.request('model/list', { includeHidden: true });
  return data;
}

export function setModel(ctrl: TuiController, model: string, note = ''): void {
  const { overrides } = ctrl.getState();
  ctrl.set({ overrides: { ...overrides, model } });
  ctrl.note(`model ${model} from the next turn${note}`);
}

export async function openModelPicker(ctrl: TuiController): Promise<void> {
  const current = currentModel(ctrl);
  const listed = (await models(ctrl)).filter((m) => !m.hidden);
  if (listed.length === 0) return ctrl.note('the App Server offers no models', 'warn');
  const choices: ModelChoice[] = listed.map((m) => ({
    id: m.model,
    description: m.description,
    current: m.model === current,
  }));
  const selected = Math.max(
    0,
    choices.findIndex((c) => c.current),
  );
  ctrl.set({ picker: { kind: 'models', models: choices, selected } });
}

/** `/model NAME`: taken when the list has it (or, unlisted, the catalogue); else refused. */
export async function chooseModel(ctrl: TuiController, name: string): Promise<void> {
  const all = await models(ctrl);
  const listed = all.filter((m) => !m.hidden);
  const exact =
    listed.find((m) => m.model === name) ??
    listed.find((m) => m.model.toLowerCase() === name.toLowerCase());
  if (exact) return setModel(ctrl, exact.model);
  const catalogue = all.filter((m) => m.hidden);
  const known = catalogue.find((m) => catalogueMatches(m.model, name));
  if (known)
    return setModel(
      ctrl,
      name,
      ` (the provider's list could not be read; Yoke's catalogue knows ${known.model})`,
    );
  const near = nearest(
    name,
    listed.map((m) => m.model),
  );
  const hint = near ? ` did you mean ${near}?` : '';
  const unread = catalogue.length
    ? "; the provider's list could not be read: `yoke -m NAME` starts with any name"
    : '';
  ctrl.note(`unknown model "${name}";${hint} /model lists the models offered${unread}`, 'warn');
}

/** A catalogue key (`gpt-5*` a prefix, else exact) against a name, as the catalogue matches. */
function catalogueMatches(key: string, name: string): boolean {
  const id = name.trim().toLowerCase().split('/').at(-1) ?? '';
  const k = key.toLowerCase();
  return k.endsWith('*') ? id.startsWith(k.slice(0, -1)) : id === k;
}

/** The listed name closest to `name` (edit distance), if any is reasonably close. */
export function nearest(name: string, names: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== null && bestDistance <= Math.max(3, Math.floor(name.length / 2)) ? best : null;
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length]!;
}

/** The /model list: one model per row, the current one starred, the chosen one marked. */
export function modelPickerLines(
  picker: Extract<PickerState, { kind: 'models' }>,
  width: number,
  maxRows: number,
): Line[] {
  const head = ruleLine('Choose a model: Up/Down, Enter takes it, Esc cancels', width, 'accent');
  const room = Math.max(1, maxRows - 1);
  const first = Math.max(
    0,
    Math.min(picker.selected - Math.floor(room / 2), picker.models.length - room),
  );
  const nameWidth = Math.min(
    Math.floor(width / 2),
    Math.max(...picker.models.map((m) => textWidth(m.id))),
  );
  const rows = picker.models.slice(first, first + room).map((m, i): Line => {
    const selected = first + i === picker.selected;
    const name = truncate(sanitize(m.id), nameWidth);
    const text = `${selected ? '> ' : '  '}${m.current ? '*' : ' '} ${name.padEnd(nameWidth)}  ${sanitize(m.description)}`;
    return { text: truncate(text, width), tone: selected ? 'user' : 'plain', bold: selected };
  });
  return [head, ...rows];
}
