// npm run bench -- file-search: fuzzyFileSearch on a 100,000-file repository: the first call
// (which lists the files with rg) and warm calls while someone types (the listing reused).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSearch } from '../src/runtime/file-search.ts';
import { tempDir } from '../test/support/cli.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchFileSearch(): Promise<void> {
  const root = tempDir('bench-files');
  for (let a = 0; a < 100; a++)
    for (let b = 0; b < 10; b++) {
      const dir = join(root, 'src', `mod${a}`, `sub${b}`);
      mkdirSync(dir, { recursive: true });
      for (let c = 0; c < 100; c++) writeFileSync(join(dir, `file_${c}_${a}_${b}.ts`), '');
    }
  const firsts: number[] = [];
  const warm: number[] = [];
  const queries = ['f', 'fi', 'fil', 'file', 'file_9', 'file_99', 'mod4sub2file_9', 'zz'];
  for (let run = 0; run < 5; run++) {
    const search = new FileSearch();
    let started = performance.now();
    await search.search('mod42', [root]);
    firsts.push(performance.now() - started);
    for (const query of queries) {
      started = performance.now();
      await search.search(query, [root]);
      warm.push(performance.now() - started);
    }
  }
  console.log('file-search benchmark: fuzzyFileSearch over 100,000 files');
  console.log(
    `  first call (lists with rg): median ${median(firsts).toFixed(0)} ms; warm call (typing): ` +
      `median ${median(warm).toFixed(0)} ms, max ${Math.max(...warm).toFixed(0)} ms`,
  );
}
