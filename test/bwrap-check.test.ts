// The bubblewrap check, run in the background after initialize (prefetchBwrapCheck) or at
// once (checkBwrap): both come to the same answer for a working bwrap, a missing one and one
// that cannot build a sandbox, and the background one leaves it cached.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkBwrap, prefetchBwrapCheck } from '../src/sandbox/bwrap.ts';
import { tempDir } from './support/cli.ts';

test(
  'the background check and the direct one agree, and the first is cached',
  { timeout: 60_000 },
  async (t) => {
    const dir = tempDir('bwrap-check', t);
    // A bwrap that answers --version but cannot build a sandbox (as with user namespaces off).
    const refusing = (name: string) => {
      const path = join(dir, name);
      writeFileSync(
        path,
        '#!/bin/sh\n[ "$1" = --version ] && { echo "bubblewrap 0.8.0"; exit 0; }\necho "setting up uid map: Permission denied" >&2\nexit 1\n',
      );
      chmodSync(path, 0o755);
      return path;
    };
    const cases: [string, string][] = [
      ['bwrap', 'bwrap'],
      [join(dir, 'missing-a'), join(dir, 'missing-b')],
      [refusing('refusing-a'), refusing('refusing-b')],
    ];
    for (const [background, direct] of cases) {
      await prefetchBwrapCheck(background);
      // What the background check found is what checkBwrap answers, even once bwrap changed.
      if (background.endsWith('refusing-a')) writeFileSync(background, '#!/bin/sh\nexit 0\n');
      const cached = checkBwrap(background);
      const fresh = checkBwrap(direct);
      if (fresh.ok) assert.deepEqual(cached, fresh, background);
      else {
        assert.equal(cached.ok, false, background);
        assert.equal(
          !cached.ok && cached.message.replaceAll(background, 'BWRAP'),
          fresh.message.replaceAll(direct, 'BWRAP'),
        );
      }
    }
    const refused = checkBwrap(cases[2]![0]);
    assert.ok(
      !refused.ok && /cannot create a sandbox here \(setting up uid map/.test(refused.message),
    );
    const missing = checkBwrap(cases[1]![0]);
    assert.ok(!missing.ok && /was not found/.test(missing.message));
    // Cached: asking again runs nothing (a second prefetch is the same finished promise).
    await prefetchBwrapCheck('bwrap');
    assert.equal(checkBwrap('bwrap').ok, true);
  },
);
