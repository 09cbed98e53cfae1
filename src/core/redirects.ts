// Redirects of requests to a model server, followed by hand: this server's
// headers and key go only to its own origin (dropped when a redirect leaves
// it), a request with a body is never sent on to another origin (it holds the
// user's code; 307/308 would keep the POST), and at most five hops.
import { describeServer, HearthError, HttpFailure } from './errors';
import { redact } from './redact';
import type { Logger, ServerConfig } from './types';
import { originOf, sameOrigin } from './url';

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface RedirectContext {
  server: ServerConfig;
  apiKey?: string;
  /** Extra headers (settings and secret storage), sent only to the server's origin. */
  headers: Record<string, string>;
  fetch: typeof fetch;
  log: Logger;
}

/** Headers for a request to `url`: the server's headers and key only on its own origin. */
function headersFor(url: string, base: RequestInit['headers'], c: RedirectContext): Headers {
  const headers = new Headers(base);
  if (sameOrigin(url, c.server.url)) {
    for (const [name, value] of Object.entries(c.headers)) if (!headers.has(name)) headers.set(name, value);
    if (c.apiKey) headers.set('authorization', `Bearer ${c.apiKey}`);
  } else {
    headers.delete('authorization');
    headers.delete('cookie');
    for (const name of Object.keys(c.headers)) headers.delete(name);
  }
  return headers;
}

function pathOf(url: string, c: RedirectContext): string {
  return url.startsWith(c.server.url) ? url.slice(c.server.url.length) || '/' : url;
}

/** The error for a redirect that would carry a request's content to another server. */
export function refusedRedirect(url: string, next: string, status: number, c: RedirectContext): HearthError {
  const who = describeServer({ server: c.server });
  return new HearthError(
    'badRequest',
    `${who} redirected ${pathOf(url, c)} (${status}) to another server, ${originOf(next) ?? 'elsewhere'}. ` +
      `Hearth does not send a request's content to a server you did not configure; check the server's URL in settings.`,
    { status, serverName: c.server.name, url: c.server.url, actions: ['openSettings', 'showLog'] },
  );
}

/** fetch with `redirect: 'manual'`, following redirects by the rules above. */
export async function followRedirects(
  url: string,
  init: RequestInit,
  signal: AbortSignal | undefined,
  c: RedirectContext,
): Promise<Response> {
  let current = url;
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  let base = init.headers;
  for (let hop = 0; ; hop++) {
    const request = { ...init, method, body, headers: headersFor(current, base, c), signal, redirect: 'manual' as const };
    const res = await c.fetch(current, request).catch((err: unknown) => {
      // A kept-alive connection the server closed just before it was reused: nothing was answered, so send once more.
      if (signal?.aborted || !staleConnection(err) || !(body == null || typeof body === 'string')) throw err;
      c.log.debug(redact(`${method} ${current}: the kept-alive connection was closed before any answer; sending again`, [c.apiKey]));
      return c.fetch(current, request);
    });
    const location = res.headers.get('location');
    if (!REDIRECTS.has(res.status) || !location) return res;
    await res.body?.cancel().catch(() => undefined);
    if (hop >= MAX_REDIRECTS) {
      throw new HttpFailure(
        new HearthError('malformed', `${url} redirected more than ${MAX_REDIRECTS} times.`, {
          serverName: c.server.name,
          url: c.server.url,
          status: res.status,
        }),
      );
    }
    const next = new URL(location, current).href;
    if (init.body != null && !sameOrigin(next, c.server.url)) throw new HttpFailure(refusedRedirect(url, next, res.status, c));
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      const h = new Headers(base);
      h.delete('content-type');
      base = h;
    }
    c.log.debug(redact(`${method} ${current} redirected (${res.status}) to ${next}`, [c.apiKey]));
    current = next;
  }
}

/** The error of a request sent on a kept-alive connection that the server had just closed: no byte of an answer came. */
function staleConnection(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  return cause?.code === 'UND_ERR_SOCKET' && cause.message === 'other side closed';
}
