// Small network helpers shared by the harness, the benchmarks and tests that
// run inside the extension host. Plain Node only: never imports `vscode`.
import * as http from 'node:http';
import * as net from 'node:net';

/** Asks the OS for a free TCP port on `host` (the port is released at once). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('freePort: no port assigned'))));
    });
  });
}

/** True when nothing listens on `port` and we may bind it. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** One GET; resolves with the status code and body, or rejects on a network error. */
export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

export interface WaitForHttpOptions {
  timeoutMs: number;
  /** Which status counts as ready; default: any answer at all. */
  ready?: (status: number) => boolean;
  /** Called between attempts; return a reason to give up early (e.g. the process died). */
  abort?: () => string | undefined;
  intervalMs?: number;
}

/** Polls `url` until it answers with a ready status; rejects after the timeout. */
export async function waitForHttp(url: string, options: WaitForHttpOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const ready = options.ready ?? (() => true);
  let last = 'no answer yet';
  for (;;) {
    const reason = options.abort?.();
    if (reason) throw new Error(`${url}: ${reason}`);
    try {
      const { status, body } = await httpGet(url, 2000);
      if (ready(status)) return;
      last = `HTTP ${status} ${body.slice(0, 200)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${url} not ready after ${options.timeoutMs} ms (last: ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
