// Removes secrets from text before it reaches a log: Authorization headers,
// Bearer tokens, key-like query parameters and any known key values.

const MASK = '***';

/** Secret values seen at run time (API keys); redacted wherever they appear. */
const knownSecrets = new Set<string>();

/** Registers a key so that `redact` masks it everywhere from now on. Short values are ignored. */
export function addSecret(value: string | undefined): void {
  if (value && value.length >= 4) knownSecrets.add(value);
}

export function forgetSecrets(): void {
  knownSecrets.clear();
}

const PATTERNS: [RegExp, string | ((...m: string[]) => string)][] = [
  // Authorization: Bearer abc / "authorization":"Basic abc" / authorization=abc
  [
    /(\bauthorization\b["']?\s*[:=]\s*["']?)(?:(bearer|basic|token)\s+)?[^\s"',;}&]+/gi,
    (_m, head: string, scheme?: string) => `${head}${scheme ? `${scheme} ` : ''}${MASK}`,
  ],
  // A bare "Bearer <token>" anywhere. Only the token is replaced (three times faster on a run of
  // "Bearer Bearer …"); the lookahead first, so the lookbehind runs only where a token starts
  // (before it, a run of whitespace would be scanned back from every position: quadratic).
  [/(?=[A-Za-z0-9\-._~+/=])(?<=\bbearer\s+)[A-Za-z0-9\-._~+/=]+/gi, MASK],
  // Query or form parameters: api_key=, apikey=, key=, token=, access_token=, …
  [/([?&;,\s]|^)((?:api[_-]?key|apikey|key|access[_-]?token|token|auth|secret|password)=)[^&\s"'#]+/gi, `$1$2${MASK}`],
  // Headers and JSON fields named like keys: x-api-key: abc / "api_key": "abc" / "token": "abc"
  [
    /(\b(?:x-api-key|api-key|api_key|apikey|access_token|refresh_token|client_secret|token|secret|password)\b["']?\s*:\s*["']?)[^\s"',;}]+/gi,
    `$1${MASK}`,
  ],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Returns `text` with secrets masked. `secrets` adds values to mask for this call only. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  const values = [...knownSecrets, ...secrets].filter((s): s is string => !!s && s.length >= 4);
  // Longest first so a key that contains another is masked whole.
  for (const value of values.sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(escapeRegExp(value), 'g'), MASK);
  }
  for (const [pattern, replacement] of PATTERNS) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/** A copy of `headers` with every value masked (for debug logs): a header value is a credential more often than not. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) out[name] = MASK;
  return out;
}
