// config/read, config/value/write and config/batchWrite. Reads load the configuration again
// from its files (with the flags and -c overrides the server started with), so a write shows at
// once; writes go to the user config.toml only (runtime/config/write.ts). A refused write is
// JSON-RPC -32600 with data {config_write_error_code}, as Codex answers it.
import { join, resolve } from 'node:path';
import { RpcErrorCode } from '../protocol/jsonrpc.ts';
import type { ConfigLayerSource } from '../protocol/methods-client.ts';
import type { ResultOf } from '../protocol/methods.ts';
import { loadConfig, type ResolvedConfig } from '../runtime/config.ts';
import { mergeTables, type ConfigSourceLayer } from '../runtime/config/layers.ts';
import { valueAt } from '../runtime/config/table.ts';
import { ConfigWriteError, writeUserConfig, type ConfigEdit } from '../runtime/config/write.ts';
import { layerSource, layerVersion, readConfig } from './handlers-client.ts';
import { RpcError } from './errors.ts';
import type { AppServer } from './app-server.ts';
import type { Handlers } from './router.ts';

type WriteResult = ResultOf<'config/value/write'>;

export function configHandlers(server: AppServer): Handlers {
  const started = () => server.manager.config;
  /** The configuration as its files say now (the one the server started with if it cannot). */
  const current = (cwd?: string | null): ResolvedConfig => {
    const { input } = started();
    if (!input) return started();
    try {
      return loadConfig({ ...input, ...(cwd ? { cwd: resolve(input.cwd ?? '.', cwd) } : {}) });
    } catch {
      return started();
    }
  };
  const write = (
    edits: ConfigEdit[],
    target: { filePath?: string | null; expectedVersion?: string | null },
  ): WriteResult => {
    const config = started();
    const userFile = join(config.home, 'config.toml');
    try {
      for (const edit of edits)
        if (edit.value === undefined)
          throw new ConfigWriteError('configValidationError', `${edit.keyPath}: no value given`);
      const outcome = writeUserConfig({
        userFile,
        filePath: target.filePath,
        expectedVersion: target.expectedVersion,
        edits,
        validate: (userTable) => loadConfig({ ...config.input, userTable }),
      });
      const now = current();
      server.manager.useWrittenDefaults(now);
      const overridden = outcome.paths
        .map((path) => overriddenBy(now, path))
        .find((o) => o !== null);
      return {
        status: overridden ? 'okOverridden' : 'ok',
        version: outcome.version,
        filePath: outcome.filePath,
        overriddenMetadata: overridden ?? null,
      };
    } catch (err) {
      if (err instanceof ConfigWriteError)
        throw new RpcError(RpcErrorCode.invalidRequest, err.message, {
          config_write_error_code: err.writeCode,
        });
      throw err;
    }
  };
  return {
    'config/read': (params) => readConfig(current(params.cwd), params.includeLayers ?? false),
    'config/value/write': (params) =>
      write(
        [{ keyPath: params.keyPath, value: params.value, mergeStrategy: params.mergeStrategy }],
        params,
      ),
    'config/batchWrite': (params) =>
      write(
        params.edits.map((e) => ({
          keyPath: e.keyPath,
          value: e.value,
          mergeStrategy: e.mergeStrategy,
        })),
        params,
      ),
  };
}

/**
 * Whether a layer above the user's (the project's config, an environment variable, -c, a flag)
 * still decides the key at `path`: the highest layer that sets it, when that is not the user's
 * and its value differs.
 */
function overriddenBy(
  config: ResolvedConfig,
  path: string[],
): WriteResult['overriddenMetadata'] | null {
  const user = config.layers.find((l) => l.kind === 'user');
  const userValue = user ? valueAt(user.values, path) : undefined;
  const effective = valueAt(
    config.layers.reduce<Record<string, unknown>>((acc, l) => mergeTables(acc, l.values), {}),
    path,
  );
  const deciding = [...config.layers].reverse().find((l) => valueAt(l.values, path) !== undefined);
  if (!deciding || deciding.kind === 'user') return null;
  if (JSON.stringify(userValue) === JSON.stringify(effective)) return null;
  return {
    message: overrideMessage(deciding),
    overridingLayer: { name: layerSource(deciding), version: layerVersion(deciding) },
    effectiveValue: effective ?? null,
  };
}

function overrideMessage(layer: ConfigSourceLayer): string {
  const source: ConfigLayerSource = layerSource(layer);
  switch (source.type) {
    case 'project':
      return `Overridden by project config: ${layer.source}`;
    case 'sessionFlags':
      return `Overridden by session flags: ${layer.source}`;
    case 'user':
      return `Overridden by user config: ${source.file}`;
  }
}
