// Loaded with --import by scripts/test.mjs: every test file's `node:test` import resolves to
// ./node-test.mjs, which gives each test a timeout unless it sets its own. A hang then fails
// the test that hung, by name, instead of stalling the suite.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
