// A block of the model's markdown, rendered (and sanitized: see markdown.ts). While the text
// streams, each delta re-renders it; parsing is memoized on the text.
import { useMemo } from 'preact/hooks';
import { markdownToHtml } from './markdown.ts';

export function Markdown(props: { text: string; class?: string; testId?: string }) {
  const html = useMemo(() => markdownToHtml(props.text), [props.text]);
  return (
    <div
      class={`md ${props.class ?? ''}`}
      data-testid={props.testId}
      // Sanitized by DOMPurify with a short list of tags and attributes (markdown.ts).
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
