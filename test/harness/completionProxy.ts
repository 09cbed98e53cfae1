// A small recording proxy for the completion tests against a real
// llama-server: forwards every request unchanged, records /infill request
// bodies and the last streamed event (timings), notes when the client (the
// extension) closed a connection before the answer ended, and then closes its
// own connection to the server at once, so the server sees the abort as the
// extension made it.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyRecord {
  method: string;
  path: string;
  body: Record<string, unknown>;
  started: number;
  /** The last `data:` event the server streamed (llama.cpp puts timings there). */
  last?: Record<string, unknown>;
  ended?: number;
  /** When the client went away before the end. */
  closedAt?: number;
}

export interface RecordingProxy {
  url: string;
  records: ProxyRecord[];
  infills(): ProxyRecord[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const records: ProxyRecord[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: Record<string, unknown> = {};
      try {
        body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        // not JSON: forwarded as is
      }
      const rec: ProxyRecord = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0], body, started: Date.now() };
      records.push(rec);
      const headers = { ...req.headers, host: new URL(target).host };
      const up = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers }, (upRes) => {
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
              // [DONE] and the like
            }
          }
        });
        upRes.on('end', () => {
          rec.ended = Date.now();
          res.end();
        });
      });
      up.on('error', () => res.destroy());
      res.on('close', () => {
        if (res.writableFinished) return;
        rec.closedAt = Date.now();
        up.destroy();
      });
      up.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    infills: () => records.filter((r) => r.path === '/infill'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
