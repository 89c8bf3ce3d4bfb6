// Token use and the share of input served from the prompt cache.
import type { ThreadTokenUsage } from '../../src/protocol/thread.ts';
import { count, percent } from './format.ts';
import { cacheShare } from '../../src/client/thread-view.ts';

export function UsageView({ usage }: { usage: ThreadTokenUsage | null }) {
  if (!usage) {
    return (
      <div class="usage muted" data-testid="usage">
        token use: reported after the next model request
      </div>
    );
  }
  const { total, last } = usage;
  return (
    <div class="usage" data-testid="usage">
      <span>
        <strong>{count(total.totalTokens)}</strong> tokens
      </span>
      <span>
        {count(total.inputTokens)} in · {count(total.outputTokens)} out
      </span>
      <span title="cached input tokens / input tokens, whole thread">
        cache hits <strong data-testid="cache-share">{percent(cacheShare(total))}</strong>
      </span>
      <span class="muted" title="the last model request">
        last request {percent(cacheShare(last))}
      </span>
      {usage.modelContextWindow ? (
        <span class="muted">
          context {percent(last.inputTokens / usage.modelContextWindow)} of{' '}
          {count(usage.modelContextWindow)}
        </span>
      ) : null}
    </div>
  );
}

/** Sums thread usages (a task's agent threads). */
export function sumUsage(usages: readonly (ThreadTokenUsage | null)[]) {
  let inputTokens = 0;
  let cachedInputTokens = 0;
  let totalTokens = 0;
  let known = 0;
  for (const u of usages) {
    if (!u) continue;
    known++;
    inputTokens += u.total.inputTokens;
    cachedInputTokens += u.total.cachedInputTokens;
    totalTokens += u.total.totalTokens;
  }
  return known === 0 ? null : { inputTokens, cachedInputTokens, totalTokens };
}
