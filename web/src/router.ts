// Hash routes, so the daemon serves one page and reloads keep their place:
//   #/            the task board (with the submit form and recent threads)
//   #/task/ID     a task's detail
//   #/thread/ID   a thread, live
//   #/mcp         the MCP servers: state and tools
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'board' }
  | { page: 'task'; id: string }
  | { page: 'thread'; id: string }
  | { page: 'mcp' }
  | { page: 'missing'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const match = /^\/(task|thread)\/([^/]+)$/.exec(path);
  if (match) {
    const id = decodeURIComponent(match[2]!);
    return match[1] === 'task' ? { page: 'task', id } : { page: 'thread', id };
  }
  if (path === '/mcp') return { page: 'mcp' };
  return path === '/' ? { page: 'board' } : { page: 'missing', hash };
}

export const taskHref = (id: string) => `#/task/${encodeURIComponent(id)}`;
export const threadHref = (id: string) => `#/thread/${encodeURIComponent(id)}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
