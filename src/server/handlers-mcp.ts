// Handlers of the MCP methods: thin translations to the runtime's MCP service.
import {
  callMcpTool,
  mcpServerStatuses,
  readMcpResource,
  reloadMcpServers,
} from '../runtime/mcp-service.ts';
import type { ThreadManager } from '../runtime/thread-manager.ts';
import type { Handlers } from './router.ts';

export function mcpHandlers(manager: ThreadManager): Handlers {
  return {
    'mcpServerStatus/list': (params) => mcpServerStatuses(manager, params),
    'mcpServer/tool/call': (params) => callMcpTool(manager, params),
    'mcpServer/resource/read': (params) => readMcpResource(manager, params),
    'config/mcpServer/reload': () => reloadMcpServers(manager),
  };
}
