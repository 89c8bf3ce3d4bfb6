// What a Codex client asks about the server before and beside its threads: the account, the
// effective configuration and its origins, admin requirements, skills, hooks, collaboration
// modes, plugins. The real Codex TUI (0.169.0) exits at start-up when account/read,
// config/read or configRequirements/read is missing. Field names follow Codex App Server v2.
import * as z from 'zod';
import { def } from './method-def.ts';

/** Yoke authenticates to model providers with API keys only (no ChatGPT login). */
export const Account = z.object({ type: z.literal('apiKey') });

/** Where a configuration layer came from, Codex's tagged union (the variants Yoke has). */
export const ConfigLayerSource = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('user'),
    file: z.string(),
    profile: z.string().nullable().optional(),
  }),
  z.object({ type: z.literal('project'), dotCodexFolder: z.string() }),
  z.object({ type: z.literal('sessionFlags') }),
]);
export type ConfigLayerSource = z.infer<typeof ConfigLayerSource>;

export const ConfigLayerMetadata = z.object({ name: ConfigLayerSource, version: z.string() });

export const ConfigLayer = z.object({
  name: ConfigLayerSource,
  version: z.string(),
  config: z.record(z.string(), z.unknown()),
  disabledReason: z.string().nullable().optional(),
});

const ConfigEditFields = {
  keyPath: z.string(),
  value: z.unknown(),
  mergeStrategy: z.enum(['replace', 'upsert']),
};

const ConfigWriteTarget = {
  filePath: z.string().nullable().optional(),
  expectedVersion: z.string().nullable().optional(),
};

export const ConfigWriteResult = z.object({
  status: z.enum(['ok', 'okOverridden']),
  version: z.string(),
  filePath: z.string(),
  overriddenMetadata: z
    .object({
      message: z.string(),
      overridingLayer: ConfigLayerMetadata,
      effectiveValue: z.unknown(),
    })
    .nullable()
    .optional(),
});

const Cwds = { cwds: z.array(z.string()).optional() };

export const SkillMetadata = z.object({
  name: z.string(),
  description: z.string(),
  shortDescription: z.string().nullable().optional(),
  path: z.string(),
  scope: z.enum(['user', 'repo', 'system', 'admin']),
  enabled: z.boolean(),
});
export type SkillMetadata = z.infer<typeof SkillMetadata>;

const PathError = z.object({ path: z.string(), message: z.string() });

export const SkillsListEntry = z.object({
  cwd: z.string(),
  skills: z.array(SkillMetadata),
  errors: z.array(PathError),
});
export type SkillsListEntry = z.infer<typeof SkillsListEntry>;

export const CollaborationModeMask = z.object({
  name: z.string(),
  mode: z.enum(['plan', 'default']).nullable().optional(),
  model: z.string().nullable().optional(),
  reasoning_effort: z.string().nullable().optional(),
});

export const clientMethods = {
  'account/read': def(
    'clientRequest',
    'The account the server talks to the model with: an API key, or none. requiresOpenaiAuth ' +
      'is true only for the built-in openai provider (other providers need no OpenAI login).',
    () => z.object({ refreshToken: z.boolean().optional() }),
    () => z.object({ account: Account.nullable(), requiresOpenaiAuth: z.boolean() }),
  ),
  'account/bedrock/checkGovCloudRequirements': def(
    'clientRequest',
    'Whether Amazon Bedrock GovCloud rules apply (never: Yoke has no Bedrock account).',
    () => z.object({}),
    () => z.object({ isGovCloud: z.boolean(), shouldWarn: z.boolean() }),
  ),
  'config/read': def(
    'clientRequest',
    'The effective configuration (snake_case keys), which layer set each key (origins), and ' +
      'with includeLayers every layer, highest precedence first.',
    () =>
      z.object({
        cwd: z.string().nullable().optional(),
        includeLayers: z.boolean().optional(),
      }),
    () =>
      z.object({
        config: z.record(z.string(), z.unknown()),
        origins: z.record(z.string(), ConfigLayerMetadata),
        layers: z.array(ConfigLayer).nullable().optional(),
      }),
  ),
  'config/value/write': def(
    'clientRequest',
    'Writes one key of the user config.toml ($YOKE_HOME/config.toml, the only writable layer). ' +
      'keyPath is dotted (quote a part that holds dots); a null value removes the key; upsert ' +
      'merges a table into the one there, replace replaces it. keyPath names tables, never an ' +
      'element of a list: a path through a value that is no table (a list or an array of ' +
      'tables too) is configPathNotFound. The file is edited in place, its comments and ' +
      'layout kept. The result must load as a configuration, or nothing is written. Errors ' +
      'are -32600 with ' +
      'data.config_write_error_code (configLayerReadonly, configVersionConflict, ' +
      'configValidationError, configPathNotFound). config/read shows the file at once and ' +
      'new threads take its model, effort, approval policy and sandbox; loaded threads, the ' +
      'provider, MCP servers and the rest keep the start-up configuration until a restart.',
    () => z.object({ ...ConfigEditFields, ...ConfigWriteTarget }),
    () => ConfigWriteResult,
  ),
  'config/batchWrite': def(
    'clientRequest',
    'Applies several edits to the user config.toml at once, as config/value/write does one: ' +
      'all of them or none. reloadUserConfig is accepted and has no effect (see ' +
      'config/value/write).',
    () =>
      z.object({
        edits: z.array(z.object(ConfigEditFields)),
        ...ConfigWriteTarget,
        reloadUserConfig: z.boolean().optional(),
      }),
    () => ConfigWriteResult,
  ),
  'configRequirements/read': def(
    'clientRequest',
    'Requirements an administrator imposes on the configuration (null: none).',
    () => z.object({}).optional(),
    () => z.object({ requirements: z.record(z.string(), z.unknown()).nullable() }),
  ),
  'skills/list': def(
    'clientRequest',
    'The skills (SKILL.md files with name and description front matter) under ' +
      '$YOKE_HOME/skills and each cwd’s .yoke/skills, per cwd.',
    () => z.object({ ...Cwds, forceReload: z.boolean().optional() }),
    () => z.object({ data: z.array(SkillsListEntry) }),
  ),
  'hooks/list': def(
    'clientRequest',
    'Lifecycle hooks per cwd (Yoke runs none, so each list is empty).',
    () => z.object({ ...Cwds, threadId: z.string().nullable().optional() }),
    () =>
      z.object({
        data: z.array(
          z.object({
            cwd: z.string(),
            hooks: z.array(z.unknown()),
            warnings: z.array(z.string()),
            errors: z.array(PathError),
          }),
        ),
      }),
  ),
  'collaborationMode/list': def(
    'clientRequest',
    'The collaboration modes a turn may run in (Yoke has the default mode only).',
    () => z.object({}).optional(),
    () => z.object({ data: z.array(CollaborationModeMask) }),
  ),
  'plugin/installed': def(
    'clientRequest',
    'Installed plugins by marketplace (Yoke has no plugin marketplace: none).',
    () => z.object({ cwds: z.array(z.string()).nullable().optional() }),
    () => z.object({ marketplaces: z.array(z.unknown()) }),
  ),
  'experimentalFeature/list': def(
    'clientRequest',
    'Experimental feature flags and whether each is on. Yoke has none: its behaviour is set ' +
      'by config.toml keys, so the list is empty.',
    () =>
      z.object({
        cursor: z.string().nullable().optional(),
        limit: z.number().int().nullable().optional(),
        threadId: z.string().nullable().optional(),
      }),
    () =>
      z.object({
        data: z.array(
          z.object({
            name: z.string(),
            stage: z.enum(['beta', 'underDevelopment', 'stable', 'deprecated', 'removed']),
            enabled: z.boolean(),
            defaultEnabled: z.boolean(),
            displayName: z.string().nullable().optional(),
            description: z.string().nullable().optional(),
            announcement: z.string().nullable().optional(),
          }),
        ),
        nextCursor: z.string().nullable(),
      }),
  ),
  'experimentalFeature/enablement/set': def(
    'clientRequest',
    'Turns experimental features on or off. Yoke has none: an empty map is accepted, a named ' +
      'feature is refused as unknown.',
    () => z.object({ enablement: z.record(z.string(), z.boolean()) }),
    () => z.object({ enablement: z.record(z.string(), z.boolean()) }),
  ),
} as const;
