// URL helpers: loopback detection, origin comparison, and URLs as they may
// appear in a message. Pure TypeScript.
import { redact } from './redact';

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function isLoopbackV4(host: string): boolean {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return false;
  return parts[0] === '127';
}

/** True for a host name on this machine: 127.0.0.0/8, ::1, localhost (and *.localhost). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isLoopbackV4(host)) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  // IPv4-mapped IPv6: the URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) return parseInt(mapped[1], 16) >> 8 === 127;
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  return !!dotted && isLoopbackV4(dotted[1]);
}

/** True when `url` points at this machine. An unparsable URL is not loopback. */
export function isLoopback(url: string): boolean {
  const parsed = parse(url);
  return !!parsed && isLoopbackHost(parsed.hostname);
}

/** The origin (`scheme://host:port`) of a URL, or undefined when it does not parse. */
export function originOf(url: string): string | undefined {
  const parsed = parse(url);
  return parsed && parsed.origin !== 'null' ? parsed.origin : undefined;
}

/** True when both URLs parse and share scheme, host and port (default ports normalised). */
export function sameOrigin(a: string, b: string): boolean {
  const oa = originOf(a);
  return oa !== undefined && oa === originOf(b);
}

/** Joins a base URL (no trailing slash) and a path (with or without a leading slash). */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * A URL the user typed, as it may appear in a message: a user name or
 * password masked, the query and fragment left out, key-like parts redacted,
 * at most 100 characters.
 */
export function displayUrl(text: string): string {
  // Only the start is shown: the patterns below never see more than a few KB of it.
  let t = text
    .slice(0, 4096)
    .trim()
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
  const cut = t.search(/[?#]/);
  if (cut !== -1) t = `${t.slice(0, cut)}?…`;
  t = redact(t);
  return t.length > 100 ? `${t.slice(0, 100)}…` : t;
}
