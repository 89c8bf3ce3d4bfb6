// better-sqlite3 with its native addon named by path. The CLI bundles the package's JavaScript
// (one script from the code cache instead of fifteen files from node_modules); left to itself,
// it would search for the addon from the caller's file, which inside the bundle is the wrong
// place. The addon itself stays in node_modules.
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';

let addonPath: string | undefined;

/** Opens a database as `new Database(path, options)` does. */
export function openSqlite(path: string, options: Database.Options = {}): Database.Database {
  addonPath ??= createRequire(import.meta.url).resolve(
    'better-sqlite3/build/Release/better_sqlite3.node',
  );
  return new Database(path, { nativeBinding: addonPath, ...options });
}
