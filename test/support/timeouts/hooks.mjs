// Module resolution hook (see register.mjs): `node:test` from a test file → node-test.mjs.
const wrapper = new URL('./node-test.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if ((specifier === 'node:test' || specifier === 'test') && parent !== wrapper) {
    return { url: wrapper, shortCircuit: true };
  }
  return next(specifier, context);
}
