// A small recording proxy between the extension and a real llama-server, for
// the completion tests and the editor-level FIM benchmark. It forwards every
// request unchanged; records request bodies, the streamed text and the last
// streamed event (llama.cpp puts timings there); notes when the client (the
// extension) closed a connection before the answer ended — and then closes
// its own connection to the server at once, so the server sees the abort as
// the extension made it; and counts the completion requests (POST /infill,
// /completion, /v1/completions): sent, aborted, completed, and the most in
// flight at once. Plain Node: usable inside the extension host too.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The paths whose POSTs are completion requests. */
export const COMPLETION_PATHS: readonly string[] = ['/infill', '/completion', '/v1/completions'];

export interface ProxyRecord {
  method: string;
  path: string;
  body: Record<string, unknown>;
  started: number;
  /** A POST to one of COMPLETION_PATHS. */
  completion: boolean;
  status?: number;
  /** The last `data:` event the server streamed (llama.cpp puts timings there). */
  last?: Record<string, unknown>;
  /** Streamed events that carried text (llama.cpp streams one token per event). */
  textEvents: number;
  /** The streamed text, concatenated (`content`, or `choices[0].text` of /v1/completions). */
  text: string;
  firstEventAt?: number;
  ended?: number;
  /** When the client went away before the end. */
  closedAt?: number;
  /** When the request stopped being in flight (ended, closed or failed). */
  finished?: number;
  /** The connection to the server failed. */
  error?: string;
}

export interface ProxyCounts {
  /** Completion requests received. */
  sent: number;
  /** ... whose client closed the connection before the answer ended. */
  aborted: number;
  /** ... answered to the end. */
  completed: number;
  /** ... that failed between the proxy and the server. */
  failed: number;
  inFlight: number;
  /** The most completion requests in flight at once. */
  maxInFlight: number;
}

export interface RecordingProxy {
  url: string;
  records: ProxyRecord[];
  infills(): ProxyRecord[];
  /** The completion requests (see COMPLETION_PATHS). */
  completions(): ProxyRecord[];
  /** Counts of the completion requests from `records[from]` on. */
  counts(from?: number): ProxyCounts;
  close(): Promise<void>;
}

/** The text one streamed event carries. */
function eventText(event: Record<string, unknown>): string {
  if (typeof event.content === 'string') return event.content;
  const choices = event.choices;
  if (Array.isArray(choices) && choices.length > 0) {
    const text = (choices[0] as Record<string, unknown>).text;
    if (typeof text === 'string') return text;
  }
  return '';
}

/** The most requests in flight at once (a request leaving and one arriving in the same millisecond do not overlap). */
function mostAtOnce(list: readonly ProxyRecord[]): number {
  const edges: [number, number][] = [];
  for (const r of list) edges.push([r.started, 1], [r.finished ?? Infinity, -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d));
  return most;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const records: ProxyRecord[] = [];
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const completion = method === 'POST' && COMPLETION_PATHS.includes(path);
    const rec: ProxyRecord = { method, path, body: {}, started: Date.now(), completion, textEvents: 0, text: '' };
    records.push(rec);
    let open = true;
    if (completion) inFlight++;
    const settle = () => {
      if (completion && open) inFlight--;
      if (open) rec.finished = Date.now();
      open = false;
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    const up = http.request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (upRes) => {
        rec.status = upRes.statusCode;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let pending = '';
        upRes.on('data', (c: Buffer) => {
          res.write(c);
          pending += c.toString('utf8');
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (!line.startsWith('data:')) continue;
            try {
              rec.last = JSON.parse(line.slice(5)) as Record<string, unknown>;
            } catch {
              continue; // [DONE] and the like
            }
            const text = eventText(rec.last);
            if (text) {
              rec.firstEventAt ??= Date.now();
              rec.textEvents++;
              rec.text += text;
            }
          }
        });
        upRes.on('end', () => {
          rec.ended = Date.now();
          settle();
          res.end();
        });
      },
    );
    up.on('error', (error) => {
      if (rec.closedAt !== undefined) return; // our own destroy() after the client went away
      rec.error ??= error.message;
      settle();
      res.destroy();
    });
    res.on('close', () => {
      if (res.writableFinished || rec.error !== undefined) return;
      rec.closedAt = Date.now();
      settle();
      up.destroy();
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      try {
        rec.body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        // not JSON: forwarded as is
      }
      up.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const completions = () => records.filter((r) => r.completion);
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    infills: () => records.filter((r) => r.path === '/infill'),
    completions,
    counts: (from = 0) => {
      const list = records.slice(from).filter((r) => r.completion);
      return {
        sent: list.length,
        aborted: list.filter((r) => r.closedAt !== undefined).length,
        completed: list.filter((r) => r.ended !== undefined && r.closedAt === undefined).length,
        failed: list.filter((r) => r.error !== undefined).length,
        inFlight,
        maxInFlight: mostAtOnce(list),
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
