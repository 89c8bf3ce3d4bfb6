// Imported first by main.tsx, before any schema exists: zod must not probe `new Function` (its
// JIT), which the page's strict CSP (no 'unsafe-eval') refuses and reports as a violation on
// every load. Validation works the same without it, a little slower.
import { config } from 'zod';

config({ jitless: true });
