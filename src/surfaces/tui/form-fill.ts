// Filling in an MCP server's form in the terminal: one field at a time on the approval panel —
// type the value, Enter checks it against the field's schema and goes to the next (empty takes
// the default), Esc goes back to the question. Pure functions over an immutable state.
import {
  checkForm,
  fieldHint,
  fieldProblem,
  parseField,
  shown,
  type FormField,
} from '../../client/elicitation-form.ts';
import type { FormDecision } from '../../client/elicitation.ts';
import { sanitize, truncate, wrapWithPrefix } from './text-layout.ts';
import type { Line } from './transcript-lines.ts';

export type FormFill = {
  /** The question being answered (its prompt key). */
  key: string;
  index: number;
  values: Record<string, unknown>;
  /** What is typed for the current field. */
  text: string;
  problem: string | null;
};

export function startFill(key: string): FormFill {
  return { key, index: 0, values: {}, text: '', problem: null };
}

export function typeInto(fill: FormFill, text: string): FormFill {
  return { ...fill, text: fill.text + text.replace(/[\r\n]/g, ''), problem: null };
}

export function backspace(fill: FormFill): FormFill {
  return { ...fill, text: [...fill.text].slice(0, -1).join(''), problem: null };
}

/** Enter: the field's value checked; the next field, or the filled form once all fit. */
export function enter(
  fill: FormFill,
  fields: FormField[],
): { fill: FormFill } | { done: FormDecision } {
  const field = fields[fill.index];
  if (!field) return { fill };
  const value = parseField(field, fill.text);
  const problem = fieldProblem(field, value ?? field.default);
  if (problem) return { fill: { ...fill, problem } };
  const values = { ...fill.values };
  if (value !== undefined) values[field.name] = value;
  else delete values[field.name];
  if (fill.index + 1 < fields.length)
    return { fill: { ...fill, index: fill.index + 1, values, text: '', problem: null } };
  const check = checkForm(fields, values);
  if (!check.ok) {
    const [name, why] = Object.entries(check.problems)[0]!;
    const index = Math.max(
      0,
      fields.findIndex((f) => f.name === name),
    );
    return { fill: { ...fill, index, values, text: '', problem: why } };
  }
  return { done: { acceptWithContent: check.content } };
}

/** The form on the panel: each field with its value so far, the current one being typed. */
export function formLines(fields: FormField[], fill: FormFill | null, width: number): Line[] {
  const lines: Line[] = [];
  fields.forEach((field, i) => {
    const hint = fieldHint(field);
    if (fill && i === fill.index) {
      lines.push({
        text: truncate(`> ${field.label} (${hint})`, width),
        tone: 'accent',
        bold: true,
      });
      if (field.description)
        lines.push({ text: truncate(`  ${sanitize(field.description)}`, width), tone: 'dim' });
      for (const text of wrapWithPrefix(sanitize(fill.text) + '\u258f', width, '  : '))
        lines.push({ text, tone: 'plain' });
      if (fill.problem) lines.push({ text: truncate(`  ${fill.problem}`, width), tone: 'error' });
      return;
    }
    const value = fill?.values[field.name];
    const told =
      value !== undefined
        ? shown(field, value)
        : fill && i < fill.index && field.default !== undefined
          ? shown(field, field.default)
          : '';
    lines.push({
      text: truncate(`  ${field.label}${told ? `: ${told}` : ` (${hint})`}`, width),
      tone: told ? 'plain' : 'dim',
    });
  });
  return lines;
}
