// Codex App Server methods that do not apply to Yoke, each with the reason the server gives
// (JSON-RPC -32601, "not supported by Yoke: …"): a Codex client treats the method as absent
// and goes on, and a person reading the error learns why. docs/codex-compatibility.md lists
// them (npm run gen).

const ACCOUNT =
  'Yoke signs in to no OpenAI, ChatGPT or cloud account; providers use API keys from its config';
const PLUGINS = 'Yoke has no plugin marketplace and no apps';
const WINDOWS = 'Yoke sandboxes commands with bubblewrap on Linux; there is no Windows sandbox';
const REMOTE = 'Yoke has no remote-control pairing; connect with a bearer token instead';

const groups: [string, string[]][] = [
  [
    ACCOUNT,
    [
      'account/login/start',
      'account/login/cancel',
      'account/logout',
      'account/rateLimits/read',
      'account/rateLimitResetCredit/consume',
      'account/sendAddCreditsNudgeEmail',
      'account/usage/read',
      'account/workspaceMessages/read',
      'account/securitySetup/read',
      'account/gatewayOAuth/read',
      'account/gatewayOAuth/login',
      'account/gatewayOAuth/cancel',
      'account/gcp/setup',
      'account/bedrock/discover',
      'account/bedrock/setup',
      'accountSession/list',
      'accountSession/switch',
    ],
  ],
  [
    PLUGINS,
    [
      'app/installed',
      'app/list',
      'app/read',
      'marketplace/add',
      'marketplace/remove',
      'marketplace/upgrade',
      'plugin/install',
      'plugin/list',
      'plugin/read',
      'plugin/reconcile',
      'plugin/search',
      'plugin/share/checkout',
      'plugin/share/delete',
      'plugin/share/list',
      'plugin/share/save',
      'plugin/share/updateTargets',
      'plugin/skill/read',
      'plugin/uninstall',
    ],
  ],
  [WINDOWS, ['windowsSandbox/readiness', 'windowsSandbox/setupStart']],
  [
    REMOTE,
    [
      'remoteControl/client/list',
      'remoteControl/client/revoke',
      'remoteControl/disable',
      'remoteControl/enable',
      'remoteControl/pairing/start',
      'remoteControl/pairing/status',
      'remoteControl/status/read',
    ],
  ],
  ['Yoke sends no feedback or logs to a service', ['feedback/upload']],
];

/** Method name → why Yoke does not support it. */
export const codexUnsupported: ReadonlyMap<string, string> = new Map(
  groups.flatMap(([reason, names]) => names.map((name) => [name, reason] as const)),
);
