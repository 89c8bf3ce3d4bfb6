// node:test, except that `test` and `it` (and their .skip/.only/.todo) give a test that sets no
// timeout of its own YOKE_TEST_TIMEOUT_MS (3 minutes by default).
import * as real from 'node:test';

export * from 'node:test';

const DEFAULT_TIMEOUT_MS = Number(process.env.YOKE_TEST_TIMEOUT_MS) || 180_000;

function withTimeout(define) {
  return function defineWithTimeout(...args) {
    const name = typeof args[0] === 'string' ? args.shift() : undefined;
    const given = typeof args[0] === 'object' && args[0] !== null ? args.shift() : {};
    const options = { ...given, timeout: given.timeout ?? DEFAULT_TIMEOUT_MS };
    return name === undefined ? define(options, ...args) : define(name, options, ...args);
  };
}

function wrap(define) {
  const wrapped = withTimeout(define);
  for (const variant of ['skip', 'only', 'todo']) {
    if (typeof define[variant] === 'function') wrapped[variant] = withTimeout(define[variant]);
  }
  return wrapped;
}

export const test = wrap(real.test);
export const it = wrap(real.it);
export default test;
