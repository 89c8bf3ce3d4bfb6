// fast-check arbitraries for JSON values that fit a JSON Schema (the one zod's toJSONSchema
// makes of a method's params), leaning on boundary values: empty and huge strings, NUL bytes,
// path tricks, the ends of integer ranges, empty arrays — plus "hint" strings (ids of threads
// that exist, a real repository) so requests also reach past "not found".
import fc from 'fast-check';

export type JsonSchema = { [key: string]: unknown };

const BOUNDARY_STRINGS = [
  '',
  ' ',
  'x'.repeat(10_000),
  '\u0000',
  'a\u0000b',
  '../../../../etc/passwd',
  '/',
  '/nonexistent/dir',
  '.',
  '~',
  '🙂\uD800',
  '\u202E',
  '%s%n',
  '__proto__',
  'constructor',
  '-1',
  'null',
];

const BOUNDARY_NUMBERS = [0, -0, 1, -1, 0.5, 1e308, -1e308, 2 ** 31, 2 ** 32, -(2 ** 53), 2 ** 53];

export type SchemaHints = { strings: readonly string[] };

/** Values that fit `schema`, often at its edges. Unknown constructs give any JSON value. */
export function arbitraryFor(
  schema: JsonSchema,
  hints: SchemaHints,
  depth = 0,
): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => arbitraryFor(s, hints, depth + 1)));
  const type = schema.type;
  if (Array.isArray(type))
    return fc.oneof(...type.map((t) => arbitraryFor({ ...schema, type: t }, hints, depth + 1)));
  switch (type) {
    case 'string':
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...hints.strings, ...BOUNDARY_STRINGS) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
      );
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -Number.MAX_SAFE_INTEGER;
      const max = typeof schema.maximum === 'number' ? schema.maximum : Number.MAX_SAFE_INTEGER;
      const edges = [min, max, min + 1, max - 1, ...BOUNDARY_NUMBERS].filter(
        (n) => n >= min && n <= max && (type === 'number' || Number.isInteger(n)),
      );
      return fc.oneof(
        fc.constantFrom(...edges),
        type === 'integer'
          ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) })
          : fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items as JsonSchema | undefined) ?? {};
      if (depth > 6) return fc.constant([]);
      return fc.array(arbitraryFor(items, hints, depth + 1), { maxLength: 4 });
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      const keys = Object.keys(properties);
      if (keys.length === 0)
        return depth > 6
          ? fc.constant({})
          : fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      const fields: Record<string, fc.Arbitrary<unknown>> = {};
      for (const key of keys) fields[key] = arbitraryFor(properties[key]!, hints, depth + 1);
      return fc.record(fields, { requiredKeys: keys.filter((k) => required.has(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/**
 * Params for a method: mostly schema-shaped values (valid, or one field off), sometimes any
 * JSON at all.
 */
export function paramsFor(schema: JsonSchema, hints: SchemaHints): fc.Arbitrary<unknown> {
  const valid = arbitraryFor(schema, hints);
  const oneOff = fc
    .tuple(valid, fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
    .map(([value, key, junk]) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return junk;
      const keys = Object.keys(value);
      const target = keys.length > 0 ? keys[key.length % keys.length]! : key;
      return { ...value, [target]: junk };
    });
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 2, arbitrary: oneOff },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}
