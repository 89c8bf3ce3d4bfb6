// Service URLs (postgres://, redis://) carry passwords: anything printed names the service by
// this redacted form only.

/** `scheme://host:port/path` without user or password; the input itself when not a URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname && u.pathname !== '/' ? u.pathname : '';
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return '(an unparsable URL)';
  }
}

/** Removes every occurrence of the secrets of `url` (its password, the URL itself) from text. */
export function scrub(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password) out = out.split(password).join('***');
  } catch {
    // Not a URL: nothing more to hide.
  }
  return out;
}
