// An MCP server's own form question: an input for each field of its schema (text, number,
// yes/no, one or several of a list), checked against the schema before it is sent; Decline
// and Cancel send nothing.
import { useState } from 'preact/hooks';
import { checkForm, fieldHint, type FormField } from '../../src/client/elicitation-form.ts';
import type { FormDecision } from '../../src/client/elicitation.ts';

type Values = Record<string, unknown>;

export function FormCard(props: {
  fields: FormField[];
  onSubmit: (decision: FormDecision) => void;
  onDecline: () => void;
}) {
  const [values, setValues] = useState<Values>(() => initial(props.fields));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const set = (name: string, value: unknown) => {
    setValues({ ...values, [name]: value });
    if (problems[name])
      setProblems(Object.fromEntries(Object.entries(problems).filter(([n]) => n !== name)));
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const check = checkForm(props.fields, values);
    if (!check.ok) return setProblems(check.problems);
    setProblems({});
    props.onSubmit({ acceptWithContent: check.content });
  };
  return (
    <form class="elicitation-form" data-testid="elicitation-form" onSubmit={submit} noValidate>
      {props.fields.map((field) => (
        <label key={field.name} class="form-field" data-field={field.name}>
          <span class="form-label">
            {field.label}
            {field.required && <span class="required"> *</span>}
          </span>
          <FieldInput field={field} value={values[field.name]} set={(v) => set(field.name, v)} />
          <span class="muted form-hint">
            {[field.description, fieldHint(field)].filter(Boolean).join(' — ')}
          </span>
          {problems[field.name] && (
            <span class="form-problem" data-testid="form-problem">
              {problems[field.name]}
            </span>
          )}
        </label>
      ))}
      <div class="buttons">
        <button type="submit" class="primary" data-testid="approval-submit">
          Submit
        </button>
        <button
          type="button"
          class="danger"
          data-testid="approval-decline"
          onClick={props.onDecline}
        >
          Decline
        </button>
      </div>
    </form>
  );
}

function FieldInput(props: { field: FormField; value: unknown; set: (v: unknown) => void }) {
  const { field, value, set } = props;
  const name = field.name;
  switch (field.kind) {
    case 'boolean':
      return (
        <input
          type="checkbox"
          name={name}
          checked={value === true}
          onChange={(e) => set((e.currentTarget as HTMLInputElement).checked)}
        />
      );
    case 'choice':
      return (
        <select
          name={name}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => set((e.currentTarget as HTMLSelectElement).value || undefined)}
        >
          <option value="">—</option>
          {field.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    case 'choices': {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <span class="form-choices">
          {field.options.map((o) => (
            <label key={o.value}>
              <input
                type="checkbox"
                name={`${name}.${o.value}`}
                checked={chosen.includes(o.value)}
                onChange={(e) => {
                  const on = (e.currentTarget as HTMLInputElement).checked;
                  const next = field.options
                    .map((x) => x.value)
                    .filter((v) => (v === o.value ? on : chosen.includes(v)));
                  set(next);
                }}
              />{' '}
              {o.label}
            </label>
          ))}
        </span>
      );
    }
    case 'number':
    case 'integer':
      return (
        <input
          type="number"
          name={name}
          step={field.kind === 'integer' ? 1 : 'any'}
          value={typeof value === 'number' ? String(value) : ((value as string) ?? '')}
          onInput={(e) => {
            const text = (e.currentTarget as HTMLInputElement).value;
            set(text === '' ? undefined : Number(text));
          }}
        />
      );
    default:
      return (
        <input
          type="text"
          name={name}
          value={typeof value === 'string' ? value : ''}
          onInput={(e) => {
            const text = (e.currentTarget as HTMLInputElement).value;
            set(text === '' ? undefined : text);
          }}
        />
      );
  }
}

/** The form as first shown: each field at its default. */
function initial(fields: FormField[]): Values {
  const values: Values = {};
  for (const f of fields) if (f.default !== undefined) values[f.name] = f.default;
  return values;
}
