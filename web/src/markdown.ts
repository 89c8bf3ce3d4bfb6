// Markdown from the model (agent messages, reasoning, plans, task summaries) to HTML that is
// safe to put in the page: `marked` parses it (GitHub-flavoured), DOMPurify sanitizes the
// result. Raw HTML in the text is shown as text, never parsed; images become links (the page's
// CSP would block them, and a model's image could be a tracking pixel); links open in a new tab
// without the opener. DOMPurify then keeps only the tags and attributes listed below, so even a
// parser bug cannot put a script, an event handler or a `javascript:` URL in the page.
import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    image({ href, text }: Tokens.Image) {
      return `<a href="${escapeHtml(href)}">${escapeHtml(text ? `image: ${text}` : 'image')}</a>`;
    },
  },
});

const ALLOWED_TAGS = [
  'a',
  'blockquote',
  'br',
  'code',
  'del',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'input',
  'li',
  'ol',
  'p',
  'pre',
  'strong',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
];
const ALLOWED_ATTR = ['href', 'title', 'start', 'align', 'type', 'checked', 'disabled', 'class'];

let hooked = false;
function purify(html: string): string {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.hasAttribute('href')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
      // Task-list checkboxes only: no other input survives.
      if (node.tagName === 'INPUT' && node.getAttribute('type') !== 'checkbox') node.remove();
    });
  }
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: [...ALLOWED_ATTR, 'target', 'rel'],
  });
}

/** Sanitized HTML for a piece of markdown. */
export function markdownToHtml(text: string): string {
  return purify(marked.parse(text) as string);
}
