// The model providers a Codex client may list (modelProvider/list): Yoke's built-in "openai"
// and each `[model_providers.NAME]` of its config. Field names follow Codex App Server v2.
import * as z from 'zod';
import { def } from './method-def.ts';

const GatewayAuth = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('none') }),
  z.object({ mode: z.literal('environmentVariable'), envKey: z.string() }),
  z.object({ mode: z.literal('externallyConfigured'), envKey: z.string().nullable().optional() }),
]);

const ProviderSettings = z.discriminatedUnion('type', [
  z.object({ type: z.literal('openai') }),
  z.object({ type: z.literal('customGateway'), auth: GatewayAuth }),
]);

export const providerMethods = {
  'modelProvider/list': def(
    'clientRequest',
    'The configured model providers and which one is the default. Yoke edits none of them ' +
      'from a client (canEdit and canChangeDefault are false): they live in config.toml.',
    () => z.object({}).optional(),
    () =>
      z.object({
        data: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            /** Null when the URL carries credentials. */
            baseUrl: z.string().nullable(),
            canEdit: z.boolean(),
            settings: ProviderSettings,
          }),
        ),
        defaultProviderId: z.string(),
        canChangeDefault: z.boolean(),
      }),
  ),
} as const;
