// Hearth's bounds on what a server sends: how much of a body is read, how
// long one stream line or one reply may be, how much server text any pattern
// ever sees. Every limit, when hit, ends the request with a specific message
// (a `tooLarge` or `timeout` HearthError); nothing buffers without bound.
// Pure TypeScript.

export const LIMITS = {
  /** A JSON answer (model lists, /props, /api/show …). */
  jsonBodyBytes: 4 * 1024 * 1024,
  /** An error answer: only its start is read (the message is at the start). */
  errorBodyBytes: 64 * 1024,
  /**
   * One server-sent event or NDJSON line. A token's chunk is well under 1 KB; a
   * proxy that sends a whole reply as one event gets up to ~16k tokens. Small
   * enough that the parser's per-line cost on a hostile stream stays a few ms.
   */
  streamLineChars: 64 * 1024,
  /** One completion stream (events and all). */
  completionChars: 1024 * 1024,
  /** One chat reply: answer and reasoning together. */
  chatReplyChars: 1024 * 1024,
  /** One chat reply from the request to its end. */
  chatReplyMs: 30 * 60_000,
  /** Server text any pattern looks at (error messages, HTML pages). */
  serverTextChars: 16 * 1024,
} as const;

/** "1 MB", "64 KB", "300 bytes". */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** "30 minutes", "2 minutes", "45 s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s >= 120) return `${Math.round(s / 60)} minutes`;
  return `${s} s`;
}

/** The first `max` characters of `text` (cheap: no copy when it is shorter). */
export function clipText(text: string, max: number = LIMITS.serverTextChars): string {
  return text.length > max ? text.slice(0, max) : text;
}

/**
 * The start of what a server sent, for a message: whitespace collapsed,
 * at most `max` characters, in quotes. Reads at most a few times `max`.
 */
export function quoteStart(value: unknown, max = 120): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  const flat = clipText(text, max * 4)
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `"${flat.slice(0, max)}…"` : `"${flat}"`;
}
