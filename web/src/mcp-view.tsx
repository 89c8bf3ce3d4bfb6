// The MCP servers of `yoke serve` (mcpServerStatus/list): each server's state, why it failed,
// and its tools under the names the model sees them; a server that starts, comes up or dies
// later shows it at once (mcpServer/startupStatus/updated).
import { useEffect, useState } from 'preact/hooks';
import type { McpServerStatus } from '../../src/protocol/methods-mcp.ts';
import { useModel } from './use-model.ts';

/** The pill class (styles.css) of a state. */
const PILL: Record<string, string> = {
  connected: 'succeeded',
  ready: 'succeeded',
  starting: 'running',
  failed: 'failed',
  cancelled: 'failed',
};

export function McpView() {
  const model = useModel();
  const [servers, setServers] = useState<McpServerStatus[] | null>(null);
  const [loadedAtMs, setLoadedAtMs] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    model
      .request('mcpServerStatus/list', {})
      .then((result) => {
        setServers(result.data);
        // Startup notices until the answer came are in it already.
        setLoadedAtMs(Date.now());
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  useEffect(() => {
    if (model.connection === 'open') load();
  }, [model.connection]);

  return (
    <div class="mcp-page" data-testid="mcp-view">
      <div class="card">
        <div class="title-row">
          <h1>MCP servers</h1>
          <button type="button" onClick={load} disabled={model.connection !== 'open'}>
            Refresh
          </button>
        </div>
        <div class="muted">
          From <code>[mcp_servers]</code> in config.toml; tools as the model sees them.
        </div>
        {error && <div class="error">{error}</div>}
        {servers === null && !error && <div class="muted">starting the servers…</div>}
        {servers?.length === 0 && <div class="empty">no MCP servers configured</div>}
      </div>
      {servers?.map((server) => {
        const later = model.mcpStartup.get(server.name);
        const fresh = later && later.atMs > loadedAtMs ? later : null;
        const state = fresh?.status ?? server.runtimeStatus ?? 'unknown';
        const why = fresh ? fresh.error : server.toolsError;
        const tools = Object.values(server.tools).sort((a, b) => (a.name < b.name ? -1 : 1));
        return (
          <section
            class="card"
            key={server.name}
            data-testid="mcp-server"
            data-server={server.name}
          >
            <div class="title-row">
              <h2>{server.name}</h2>
              <span class={`pill ${PILL[state] ?? ''}`} data-testid="mcp-state">
                {state}
              </span>
            </div>
            <div class="facts">
              {server.serverInfo && (
                <span>
                  {server.serverInfo.name} {server.serverInfo.version}
                </span>
              )}
              <span>{server.httpOrigin ?? 'stdio'}</span>
              <span>{tools.length} tools</span>
            </div>
            {why && <div class="error">{why}</div>}
            <ul class="mcp-tools">
              {tools.map((tool) => (
                <li key={tool.name} data-testid="mcp-tool">
                  <code>{server.qualifiedNames?.[tool.name] ?? tool.name}</code>{' '}
                  <span class="badge">
                    {readOnly(tool.annotations) ? 'read-only' : 'may write'}
                  </span>{' '}
                  <span class="muted">{tool.description ?? ''}</span>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

function readOnly(annotations: unknown): boolean {
  const a = annotations as { readOnlyHint?: boolean; destructiveHint?: boolean } | undefined;
  return a?.readOnlyHint === true && a.destructiveHint !== true;
}
