// Bounds on a text stream as it is read: the line being assembled (NDJSON)
// and the whole stream. SSE events are bounded by eventsource-parser's own
// `maxBufferSize`. The guard sees each chunk once and keeps two counters, so
// reading stays linear and nothing a server sends can make a buffer grow
// without end. Pure TypeScript.

export interface StreamBounds {
  /** One SSE event (all its lines) or one NDJSON line, in characters. */
  maxEventChars: number;
  /** The whole stream, in characters (default: no limit; the caller bounds time instead). */
  maxTotalChars?: number;
}

export class StreamGuard {
  private pending = 0;
  private total = 0;

  constructor(
    private readonly bounds: StreamBounds,
    /** The error to throw, given which bound was passed. */
    private readonly fail: (what: 'event' | 'total') => Error,
    /** Count the line being assembled (NDJSON); SSE leaves that to its parser. */
    private readonly lines = true,
  ) {}

  /** Counts `chunk`; throws `fail(...)` when it takes the stream over a bound. */
  feed(chunk: string): void {
    this.total += chunk.length;
    if (this.bounds.maxTotalChars !== undefined && this.total > this.bounds.maxTotalChars) throw this.fail('total');
    if (!this.lines) return;
    const nl = chunk.lastIndexOf('\n');
    this.pending = nl === -1 ? this.pending + chunk.length : chunk.length - nl - 1;
    if (this.pending > this.bounds.maxEventChars) throw this.fail('event');
  }
}
