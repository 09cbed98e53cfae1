// Reading a response body with a byte cap: at most `maxBytes` are kept, the
// rest is not read (the connection is closed), and the caller learns that the
// body was cut. Pure TypeScript (web streams).

export interface CappedText {
  text: string;
  /** The body was longer than the cap: `text` is its start. */
  truncated: boolean;
  /** Bytes kept (at most the cap). */
  bytes: number;
}

/** Reads `res`'s body as UTF-8 text, keeping at most `maxBytes`. */
export async function readCapped(res: Response, maxBytes: number): Promise<CappedText> {
  if (!res.body) return { text: '', truncated: false, bytes: 0 };
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let bytes = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - bytes;
      if (value.byteLength > room) {
        if (room > 0) parts.push(value.subarray(0, room));
        bytes = maxBytes;
        truncated = true;
        break;
      }
      parts.push(value);
      bytes += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => undefined);
    else reader.releaseLock();
  }
  const all = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return { text: new TextDecoder().decode(all), truncated, bytes };
}
