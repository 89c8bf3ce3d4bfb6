// fs/* over an App Server connection that parses what it is sent (as stdio and WebSocket
// clients are): reading and writing bytes, metadata through symbolic links, directories,
// removal, copies, watches that report changes and end with their connection, and the errors
// a client gets for a relative path, a missing file or a directory copied without recursive.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { YokeClient } from '../src/client/client.ts';
import { ClientError } from '../src/client/client-error.ts';
import { createMemoryTransportPair } from '../src/protocol/transport.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { startAppServerHost } from '../src/surfaces/app-server-host.ts';
import { tempDir } from './support/cli.ts';

async function setUp(t: TestContext) {
  const home = tempDir('home', t);
  const dir = tempDir('fs', t);
  const config = loadConfig({ env: { YOKE_HOME: home, OPENAI_API_KEY: 'k' }, cwd: dir });
  const host = startAppServerHost({ config });
  t.after(() => host.close());
  const connect = async () => {
    const [clientEnd, serverEnd] = createMemoryTransportPair();
    host.attach(serverEnd);
    const client = new YokeClient(clientEnd, { validate: true });
    await client.initialize({ name: 'fs_test', version: '0' });
    return client;
  };
  return { client: await connect(), connect, dir };
}

async function rejects(promise: Promise<unknown>, code: number, message: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ClientError, String(err));
    assert.equal(err.rpcCode, code);
    assert.match(err.message, message);
    return true;
  });
}

test('fs/writeFile and fs/readFile carry bytes exactly', { timeout: 30_000 }, async (t) => {
  const { client, dir } = await setUp(t);
  const path = join(dir, 'bin.dat');
  const bytes = Buffer.from([0, 255, 13, 10, 0x80, 0x41]);
  assert.deepEqual(
    await client.request('fs/writeFile', { path, dataBase64: bytes.toString('base64') }),
    {},
  );
  assert.deepEqual(readFileSync(path), bytes);
  const { dataBase64 } = await client.request('fs/readFile', { path });
  assert.deepEqual(Buffer.from(dataBase64, 'base64'), bytes);
  // Replaced whole, and nothing left beside it.
  await client.request('fs/writeFile', { path, dataBase64: Buffer.from('x').toString('base64') });
  assert.equal(readFileSync(path, 'utf8'), 'x');
  assert.deepEqual(readdirSync(dir), ['bin.dat']);

  await rejects(client.request('fs/readFile', { path: 'relative.txt' }), -32602, /absolute/);
  await rejects(
    client.request('fs/readFile', { path: join(dir, 'missing') }),
    -32602,
    /fs\/readFile .*missing: no such file or directory/,
  );
  await rejects(
    client.request('fs/writeFile', { path: join(dir, 'no/such/dir/f'), dataBase64: '' }),
    -32602,
    /no such file or directory/,
  );
});

test('fs/getMetadata and fs/readDirectory follow links', { timeout: 30_000 }, async (t) => {
  const { client, dir } = await setUp(t);
  writeFileSync(join(dir, 'file.txt'), 'f');
  mkdirSync(join(dir, 'sub'));
  symlinkSync(join(dir, 'sub'), join(dir, 'link'));
  symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));

  const file = await client.request('fs/getMetadata', { path: join(dir, 'file.txt') });
  assert.deepEqual(
    { d: file.isDirectory, f: file.isFile, l: file.isSymlink },
    { d: false, f: true, l: false },
  );
  assert.ok(file.modifiedAtMs > Date.now() - 60_000 && file.modifiedAtMs <= Date.now());
  const link = await client.request('fs/getMetadata', { path: join(dir, 'link') });
  assert.deepEqual(
    { d: link.isDirectory, f: link.isFile, l: link.isSymlink },
    { d: true, f: false, l: true },
  );
  const dangling = await client.request('fs/getMetadata', { path: join(dir, 'dangling') });
  assert.deepEqual(
    { d: dangling.isDirectory, f: dangling.isFile, l: dangling.isSymlink },
    { d: false, f: false, l: true },
  );

  const { entries } = await client.request('fs/readDirectory', { path: dir });
  assert.deepEqual(entries, [
    { fileName: 'dangling', isDirectory: false, isFile: false },
    { fileName: 'file.txt', isDirectory: false, isFile: true },
    { fileName: 'link', isDirectory: true, isFile: false },
    { fileName: 'sub', isDirectory: true, isFile: false },
  ]);
  await rejects(
    client.request('fs/readDirectory', { path: join(dir, 'file.txt') }),
    -32602,
    /not a directory/,
  );
});

test('fs/createDirectory, fs/copy and fs/remove', { timeout: 30_000 }, async (t) => {
  const { client, dir } = await setUp(t);
  const deep = join(dir, 'a/b/c');
  await client.request('fs/createDirectory', { path: deep });
  assert.ok(existsSync(deep));
  await rejects(
    client.request('fs/createDirectory', { path: join(dir, 'x/y'), recursive: false }),
    -32602,
    /no such file or directory/,
  );
  writeFileSync(join(deep, 'f.txt'), 'data');

  await client.request('fs/copy', {
    sourcePath: join(deep, 'f.txt'),
    destinationPath: join(dir, 'g.txt'),
  });
  assert.equal(readFileSync(join(dir, 'g.txt'), 'utf8'), 'data');
  await rejects(
    client.request('fs/copy', { sourcePath: join(dir, 'a'), destinationPath: join(dir, 'a2') }),
    -32602,
    /is a directory; copying one needs recursive: true/,
  );
  await client.request('fs/copy', {
    sourcePath: join(dir, 'a'),
    destinationPath: join(dir, 'a2'),
    recursive: true,
  });
  assert.equal(readFileSync(join(dir, 'a2/b/c/f.txt'), 'utf8'), 'data');

  await client.request('fs/remove', { path: join(dir, 'a') });
  assert.ok(!existsSync(join(dir, 'a')));
  await client.request('fs/remove', { path: join(dir, 'a') }); // force: a missing path is fine
  await rejects(
    client.request('fs/remove', { path: join(dir, 'a'), force: false }),
    -32602,
    /no such file or directory/,
  );
  await rejects(
    client.request('fs/remove', { path: join(dir, 'a2'), recursive: false }),
    -32602,
    /fs\/remove/,
  );
  assert.ok(existsSync(join(dir, 'a2/b/c/f.txt')), 'a refused removal removes nothing');
});

test(
  'fs/watch reports changes until fs/unwatch or the connection closes',
  { timeout: 30_000 },
  async (t) => {
    const { client, connect, dir } = await setUp(t);
    const changes: { watchId: string; changedPaths: string[] }[] = [];
    let wake: () => void = () => {};
    client.onNotification('fs/changed', (params) => {
      changes.push(params);
      wake();
    });
    const changed = (watchId: string, path: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (changes.some((c) => c.watchId === watchId && c.changedPaths.includes(path)))
            resolve();
        };
        wake = check;
        check();
      });

    const { path } = await client.request('fs/watch', { path: dir, watchId: 'w1' });
    assert.equal(path, dir);
    await rejects(
      client.request('fs/watch', { path: dir, watchId: 'w1' }),
      -32602,
      /w1 is already watching/,
    );
    writeFileSync(join(dir, 'new.txt'), 'n');
    await changed('w1', join(dir, 'new.txt'));

    assert.deepEqual(await client.request('fs/unwatch', { watchId: 'w1' }), {});
    await rejects(client.request('fs/unwatch', { watchId: 'w1' }), -32602, /no watch w1/);

    // The same id on another connection is another watch; closing that connection ends it.
    const other = await connect();
    await other.request('fs/watch', { path: dir, watchId: 'w1' });
    other.close();
    await client.request('fs/watch', { path: dir, watchId: 'w2' });
    writeFileSync(join(dir, 'second.txt'), 's');
    await changed('w2', join(dir, 'second.txt'));
    assert.ok(
      !changes.some((c) => c.watchId === 'w1' && c.changedPaths.includes(join(dir, 'second.txt'))),
      'nothing after fs/unwatch',
    );
  },
);
