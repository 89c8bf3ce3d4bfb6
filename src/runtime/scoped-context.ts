// Rules scoped to a directory (a nested AGENTS.md, a .yoke/rules file with path globs) join a
// thread's context the first time a tool touches a path they cover — appended as a message
// before the next model request, so the prompt prefix holds. Each is loaded once per thread.
import { renderScopedRules, ScopedRules } from '../context/scoped-rules.ts';
import type { HistoryItem } from '../models/types.ts';
import type { ThreadItem } from '../protocol/items.ts';
import type { ContextConfig } from './config.ts';

export class ScopedContext {
  private rules: ScopedRules | null = null;

  constructor(
    private readonly cwd: () => string,
    private readonly config: ContextConfig,
    /** Ids already loaded (from the thread's log); grows as rules load. */
    private readonly loadedIds: string[],
  ) {}

  /** The rules a completed item brings in, once: their ids and the message carrying them. */
  touch(item: ThreadItem): { ids: string[]; message: HistoryItem } | null {
    const paths = touchedPaths(item);
    if (paths.length === 0) return null;
    this.rules ??= new ScopedRules({
      cwd: this.cwd(),
      fallbackNames: this.config.fallbackNames,
      loadedIds: this.loadedIds,
    });
    const rules = paths.flatMap((path) => this.rules!.touch(path));
    if (rules.length === 0) return null;
    const ids = rules.map((r) => r.id);
    this.loadedIds.push(...ids);
    return {
      ids,
      message: {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: renderScopedRules(rules) }],
      },
    };
  }
}

/** Paths a tool item read, wrote or ran in. */
function touchedPaths(item: ThreadItem): string[] {
  switch (item.type) {
    case 'commandExecution':
      return [item.cwd];
    case 'fileChange':
      return item.changes.map((c) => c.path);
    case 'dynamicToolCall': {
      const path = (item.arguments as { path?: unknown } | null)?.path;
      return typeof path === 'string' ? [path] : [];
    }
    default:
      return [];
  }
}
