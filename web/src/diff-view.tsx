// A unified diff, one coloured row per line (see diff-lines.ts).
import { classifyDiff, diffCounts } from './diff-lines.ts';

export function DiffView({ diff, title }: { diff: string; title?: string }) {
  const lines = classifyDiff(diff);
  const { added, removed } = diffCounts(lines);
  return (
    <div class="diff" data-testid="diff">
      {title !== undefined && (
        <div class="diff-title">
          <span class="path">{title}</span>
          <span class="diff-counts">
            <span class="added">+{added}</span> <span class="removed">−{removed}</span>
          </span>
        </div>
      )}
      <pre class="diff-body">
        {lines.map((line, i) => (
          <div key={i} class={`dl dl-${line.kind}`}>
            {line.text === '' ? ' ' : line.text}
          </div>
        ))}
      </pre>
    </div>
  );
}
