// The form of an MCP server's own question (a form elicitation's `requestedSchema`) as fields a
// surface can ask for — text, number, yes/no, one or several of a list — and the answers checked
// against the schema, so every surface (terminal UI, web page, `yoke approve`) sends the server
// `{action: "accept", content}` it will take. Browser-safe: no Node imports.

export type FieldOption = { value: string; label: string };

export type FormField = {
  name: string;
  /** What to call it: the schema's title, else its name. */
  label: string;
  description: string | null;
  kind: 'string' | 'number' | 'integer' | 'boolean' | 'choice' | 'choices';
  required: boolean;
  /** The schema's default (used when the field is left empty), or undefined. */
  default: unknown;
  /** choice / choices: the allowed values and how they are shown. */
  options: FieldOption[];
  format: string | null;
  minimum: number | null;
  maximum: number | null;
  minLength: number | null;
  maxLength: number | null;
  minItems: number | null;
  maxItems: number | null;
};

type Schema = Record<string, unknown>;

/** The fields of a form elicitation's schema, in the schema's order. */
export function formFields(schema: {
  properties: Record<string, unknown>;
  required?: string[] | undefined;
}): FormField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, raw]) => {
    const s = (raw ?? {}) as Schema;
    const options = optionsOf(s);
    const type = s.type;
    const kind: FormField['kind'] =
      type === 'array'
        ? 'choices'
        : options.length > 0
          ? 'choice'
          : type === 'number' || type === 'integer' || type === 'boolean'
            ? type
            : 'string';
    return {
      name,
      label: typeof s.title === 'string' && s.title ? s.title : name,
      description: typeof s.description === 'string' ? s.description : null,
      kind,
      required: required.has(name),
      default: s.default,
      options: kind === 'choices' ? optionsOf((s.items ?? {}) as Schema) : options,
      format: typeof s.format === 'string' ? s.format : null,
      minimum: num(s.minimum),
      maximum: num(s.maximum),
      minLength: num(s.minLength),
      maxLength: num(s.maxLength),
      minItems: num(s.minItems),
      maxItems: num(s.maxItems),
    };
  });
}

/** Whether a form asks for anything (a tool-call approval's form has no fields). */
export function hasFields(schema: { properties: Record<string, unknown> } | undefined): boolean {
  return !!schema && Object.keys(schema.properties).length > 0;
}

/**
 * A field's value from what was typed: "" is no answer (undefined); numbers and yes/no are
 * parsed; a choice takes its value or its label (any case); several choices are comma-separated.
 */
export function parseField(field: FormField, text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  switch (field.kind) {
    case 'number':
    case 'integer':
      return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : t;
    case 'boolean':
      if (/^(y|yes|true|1|on)$/i.test(t)) return true;
      if (/^(n|no|false|0|off)$/i.test(t)) return false;
      return t;
    case 'choice':
      return optionValue(field, t);
    case 'choices':
      return t
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .map((part) => optionValue(field, part));
    default:
      return text;
  }
}

/** Why `value` does not fit `field`, or null (an absent optional value fits). */
export function fieldProblem(field: FormField, value: unknown): string | null {
  if (value === undefined) return field.required ? `${field.label} is required` : null;
  switch (field.kind) {
    case 'string': {
      if (typeof value !== 'string') return `${field.label} must be text`;
      if (field.minLength !== null && value.length < field.minLength)
        return `${field.label} needs at least ${field.minLength} characters`;
      if (field.maxLength !== null && value.length > field.maxLength)
        return `${field.label} takes at most ${field.maxLength} characters`;
      return formatProblem(field, value);
    }
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `${field.label} must be a number`;
      if (field.kind === 'integer' && !Number.isInteger(value))
        return `${field.label} must be a whole number`;
      if (field.minimum !== null && value < field.minimum)
        return `${field.label} must be at least ${field.minimum}`;
      if (field.maximum !== null && value > field.maximum)
        return `${field.label} must be at most ${field.maximum}`;
      return null;
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : `${field.label} must be yes or no`;
    case 'choice':
      return field.options.some((o) => o.value === value)
        ? null
        : `${field.label} must be one of: ${field.options.map((o) => o.label).join(', ')}`;
    case 'choices': {
      if (!Array.isArray(value)) return `${field.label} must be a list`;
      const bad = value.find((v) => !field.options.some((o) => o.value === v));
      if (bad !== undefined)
        return `${field.label}: "${String(bad)}" is not one of ${field.options.map((o) => o.label).join(', ')}`;
      if (field.minItems !== null && value.length < field.minItems)
        return `${field.label} needs at least ${field.minItems} choices`;
      if (field.maxItems !== null && value.length > field.maxItems)
        return `${field.label} takes at most ${field.maxItems} choices`;
      return null;
    }
  }
}

export type FormCheck =
  { ok: true; content: Record<string, unknown> } | { ok: false; problems: Record<string, string> };

/**
 * The answers as the content to send, checked against the fields: a field left empty takes
 * its default (when the schema has one), unknown names are refused.
 */
export function checkForm(fields: FormField[], values: Record<string, unknown>): FormCheck {
  const problems: Record<string, string> = {};
  const content: Record<string, unknown> = {};
  for (const name of Object.keys(values))
    if (!fields.some((f) => f.name === name))
      problems[name] = `no field "${name}" (fields: ${fields.map((f) => f.name).join(', ')})`;
  for (const field of fields) {
    const value = values[field.name] === undefined ? field.default : values[field.name];
    const problem = fieldProblem(field, value);
    if (problem) problems[field.name] = problem;
    else if (value !== undefined) content[field.name] = value;
  }
  return Object.keys(problems).length ? { ok: false, problems } : { ok: true, content };
}

/** A field in one line: its label, kind, choices, default, whether required. */
export function fieldHint(field: FormField): string {
  const parts: string[] = [];
  if (field.kind === 'choice' || field.kind === 'choices')
    parts.push(
      `${field.kind === 'choices' ? 'some of' : 'one of'} ${field.options.map((o) => o.label).join(', ')}`,
    );
  else if (field.kind === 'boolean') parts.push('yes/no');
  else if (field.kind !== 'string' || field.format) parts.push(field.format ?? field.kind);
  if (field.minimum !== null || field.maximum !== null)
    parts.push(`${field.minimum ?? '…'}–${field.maximum ?? '…'}`);
  if (field.default !== undefined) parts.push(`default ${shown(field, field.default)}`);
  if (field.required) parts.push('required');
  return parts.join(', ');
}

/** A value as the user sees it (a choice by its label). */
export function shown(field: FormField, value: unknown): string {
  const label = (v: unknown) => field.options.find((o) => o.value === v)?.label ?? String(v);
  if (Array.isArray(value)) return value.map(label).join(', ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return label(value);
}

function optionValue(field: FormField, text: string): string {
  const lower = text.toLowerCase();
  const found =
    field.options.find((o) => o.value === text) ??
    field.options.find((o) => o.value.toLowerCase() === lower || o.label.toLowerCase() === lower);
  return found ? found.value : text;
}

function optionsOf(s: Schema): FieldOption[] {
  if (Array.isArray(s.enum)) {
    const names = Array.isArray(s.enumNames) ? (s.enumNames as unknown[]) : [];
    return s.enum.map((v, i) => ({
      value: String(v),
      label: typeof names[i] === 'string' ? names[i] : String(v),
    }));
  }
  const list = Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : [];
  return (list as Schema[])
    .filter((o) => o && o.const !== undefined)
    .map((o) => ({
      value: String(o.const),
      label: typeof o.title === 'string' ? o.title : String(o.const),
    }));
}

function formatProblem(field: FormField, value: string): string | null {
  switch (field.format) {
    case 'email':
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)
        ? null
        : `${field.label} must be an email address`;
    case 'uri':
      return /^[a-z][a-z0-9+.-]*:\S+$/i.test(value) ? null : `${field.label} must be a URI`;
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : `${field.label} must be a date (YYYY-MM-DD)`;
    case 'date-time':
      return Number.isNaN(Date.parse(value)) ? `${field.label} must be a date and time` : null;
    default:
      return null;
  }
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
