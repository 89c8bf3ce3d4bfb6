// Code blocks coloured with highlight.js: its HTML (only <span class="hljs-…"> and the five
// entities) read back into spans, each class as one of the transcript's tones. Only languages
// the fence names and highlight.js knows are coloured; guessing a language costs time and is
// often wrong, so anything else is shown plain.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import type { Span } from './styled-text.ts';
import type { Tone } from './transcript-lines.ts';

const LANGUAGES = {
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  python,
  ruby,
  rust,
  sql,
  typescript,
  xml,
  yaml,
};
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

/** highlight.js scopes (the first word of a class) as tones; the rest stay the code's tone. */
const SCOPES: Record<string, Tone> = {
  keyword: 'keyword',
  'selector-tag': 'keyword',
  built_in: 'type',
  type: 'type',
  class: 'type',
  attr: 'type',
  attribute: 'type',
  property: 'type',
  variable: 'type',
  literal: 'number',
  number: 'number',
  string: 'string',
  regexp: 'string',
  symbol: 'string',
  addition: 'add',
  deletion: 'del',
  comment: 'comment',
  quote: 'comment',
  meta: 'comment',
  title: 'title',
  section: 'title',
  name: 'title',
};

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
  '&#39;': "'",
};

/** One array of spans per line of `code`; coloured when `language` is one highlight.js has. */
export function highlightCode(code: string, language: string, base: Tone): Span[][] {
  const lang = language.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!lang || !hljs.getLanguage(lang))
    return code.split('\n').map((text) => [{ text, tone: base }]);
  const html = hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  const lines: Span[][] = [[]];
  const stack: Tone[] = [];
  for (const m of html.matchAll(/<span class="([^"]*)">|<\/span>|([^<]+)/g)) {
    if (m[1] !== undefined) {
      const scope = m[1].replace(/^hljs-/, '').split(/[\s.]/)[0] ?? '';
      stack.push(SCOPES[scope] ?? stack.at(-1) ?? base);
    } else if (m[2] !== undefined) {
      const text = m[2].replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (e) => ENTITIES[e] ?? e);
      const tone = stack.at(-1) ?? base;
      text.split('\n').forEach((part, i) => {
        if (i > 0) lines.push([]);
        if (part) lines.at(-1)!.push({ text: part, tone });
      });
    } else stack.pop();
  }
  return lines;
}
