// A fake model server on node:http for unit and integration tests: routes,
// a request log and fault injection (status with the kind's own error body,
// delay, hang, reset, cut-off body, malformed JSON, API key). Each kind's
// module (fakeLlamaCpp.ts, fakeOllama.ts, …) adds its routes and error shape;
// feature tests add more routes with `route()`. Plain Node, no dependencies.
import * as http from 'node:http';
import type { Socket } from 'node:net';

export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased names, as node:http gives them. */
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  rawBody: string;
  /** Set when the client went away before the response finished (e.g. an aborted stream). */
  aborted: boolean;
}

export type Handler = (req: FakeRequest, res: http.ServerResponse, server: FakeServer) => void | Promise<void>;

export interface Fault {
  /** Answer with this status and the kind's own error body. */
  status?: number;
  /** Message inside that error body (default: the status text). */
  message?: string;
  /** Exact body instead (a string is sent as is, anything else as JSON). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait before answering; alone, it delays the normal answer. */
  delayMs?: number;
  /** Never answer (the socket stays open until the client gives up or the server closes). */
  hang?: boolean;
  /** Destroy the connection without answering. */
  reset?: boolean;
  /** Send 200 headers and part of a JSON body, then destroy the connection. */
  cutOff?: boolean;
  /** Answer 200 with invalid JSON. */
  malformed?: boolean;
  /**
   * Answer with this status and headers, then write `chunks` one by one
   * (`gapMs` apart, each flushed on its own), then end, hang (stall) or drop
   * the connection: any stream, a body split inside a UTF-8 character, a
   * reply cut off. Default status 200, content type text/event-stream.
   */
  stream?: {
    status?: number;
    headers?: Record<string, string>;
    chunks: (string | Uint8Array)[];
    gapMs?: number;
    then?: 'end' | 'hang' | 'drop';
  };
  /** Answer 307 to this URL (+ the request's path when it ends with '/'). */
  redirect?: string;
  /** Apply this many times, then route normally; default: until cleared. */
  times?: number;
}

export interface FakeServerOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Require `Authorization: Bearer <apiKey>` on every non-public route. */
  apiKey?: string;
}

type PathMatch = string | RegExp;

interface Route {
  method: string;
  path: PathMatch;
  handler: Handler;
}

interface FaultEntry {
  method: string;
  path: PathMatch;
  fault: Fault;
  left: number;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Starts a server-sent events response; write events with `writeSse`. */
export function startSse(res: http.ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  res.flushHeaders();
}

/** One SSE event: `data: <json or string>`. */
export function writeSse(res: http.ServerResponse, data: unknown): void {
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/** One line of newline-delimited JSON (Ollama's streaming format); start with `startNdjson`. */
export function startNdjson(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.flushHeaders();
}

export function writeNdjson(res: http.ServerResponse, obj: unknown): void {
  res.write(`${JSON.stringify(obj)}\n`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function matches(pattern: PathMatch, path: string): boolean {
  return pattern === '*' || (typeof pattern === 'string' ? pattern === path : pattern.test(path));
}

export class FakeServer {
  readonly requests: FakeRequest[] = [];
  apiKey?: string;
  /** Headers on every response (e.g. llama.cpp's `Server: llama.cpp`). */
  responseHeaders: Record<string, string> = {};
  private readonly routes: Route[] = [];
  private faults: FaultEntry[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;
  private readonly host: string;
  private wantedPort: number;
  port = 0;

  constructor(options: FakeServerOptions = {}) {
    this.apiKey = options.apiKey;
    this.host = options.host ?? '127.0.0.1';
    this.wantedPort = options.port ?? 0;
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.wantedPort, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /** Adds a route; a later route for the same method and path wins. `method` may be '*'. */
  route(method: string, path: PathMatch, handler: Handler): this {
    this.routes.unshift({ method: method.toUpperCase(), path, handler });
    return this;
  }

  /** Injects a fault on a route (method and path may be '*'). The newest fault wins. */
  fault(method: string, path: PathMatch, fault: Fault): this {
    this.faults.unshift({ method: method.toUpperCase(), path, fault, left: fault.times ?? Infinity });
    return this;
  }

  clearFaults(): this {
    this.faults = [];
    return this;
  }

  requireApiKey(key: string | undefined): this {
    this.apiKey = key;
    return this;
  }

  /** Requests to `path` (all when omitted), oldest first. */
  requestsTo(path?: string, method?: string): FakeRequest[] {
    return this.requests.filter(
      (r) => (path === undefined || r.path === path) && (method === undefined || r.method === method.toUpperCase()),
    );
  }

  lastRequest(path?: string): FakeRequest | undefined {
    const list = this.requestsTo(path);
    return list[list.length - 1];
  }

  /** Routes reachable without the API key. */
  protected isPublic(_path: string): boolean {
    return false;
  }

  /** This kind's error body for a status. Override per kind. */
  errorBody(status: number, message: string, _type?: string): unknown {
    return { error: { message, code: status } };
  }

  /** Sends an error in this kind's shape. */
  sendError(res: http.ServerResponse, status: number, message?: string, type?: string, headers: Record<string, string> = {}): void {
    const text = message ?? http.STATUS_CODES[status] ?? 'Error';
    sendJson(res, status, this.errorBody(status, text, type), { ...this.responseHeaders, ...headers });
  }

  json(res: http.ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
    sendJson(res, status, body, { ...this.responseHeaders, ...headers });
  }

  /** What the kind answers to an unknown route. */
  protected notFound(req: FakeRequest, res: http.ServerResponse): void {
    this.sendError(res, 404, `Not Found: ${req.method} ${req.path}`);
  }

  /** A hook before routing (e.g. llama.cpp answering 503 while loading); return true when it answered. */
  protected intercept(_req: FakeRequest, _res: http.ServerResponse): boolean {
    return false;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }
    const parsed = new URL(req.url ?? '/', 'http://fake');
    const request: FakeRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: req.headers,
      body,
      rawBody,
      aborted: false,
    };
    res.on('close', () => {
      if (!res.writableFinished) request.aborted = true;
    });
    this.requests.push(request);
    try {
      await this.respond(request, res);
    } catch (err) {
      if (!res.headersSent) this.sendError(res, 500, `fake server handler failed: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    }
  }

  private async writeStream(res: http.ServerResponse, s: NonNullable<Fault['stream']>): Promise<void> {
    res.writeHead(s.status ?? 200, { 'content-type': 'text/event-stream', ...this.responseHeaders, ...s.headers });
    res.flushHeaders();
    for (const chunk of s.chunks) {
      if (res.destroyed) return;
      // Each piece leaves as its own TCP write, so the client sees the split.
      await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
      await delay(s.gapMs ?? 2);
    }
    if (s.then === 'hang') return;
    if (s.then === 'drop') {
      await delay(20);
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  private takeFault(req: FakeRequest): Fault | undefined {
    const entry = this.faults.find((f) => (f.method === '*' || f.method === req.method) && matches(f.path, req.path) && f.left > 0);
    if (!entry) return undefined;
    entry.left--;
    return entry.fault;
  }

  private async respond(req: FakeRequest, res: http.ServerResponse): Promise<void> {
    const fault = this.takeFault(req);
    if (fault) {
      if (fault.delayMs) await delay(fault.delayMs);
      if (fault.hang) return;
      if (fault.reset) {
        res.socket?.destroy();
        return;
      }
      if (fault.cutOff) {
        res.writeHead(200, { 'content-type': 'application/json', ...this.responseHeaders });
        res.write('{"object":"list","data":[{"id":"cut');
        await delay(10);
        res.socket?.destroy();
        return;
      }
      if (fault.stream) {
        await this.writeStream(res, fault.stream);
        return;
      }
      if (fault.redirect) {
        const location = fault.redirect.endsWith('/') ? fault.redirect.replace(/\/$/, '') + req.path : fault.redirect;
        res.writeHead(307, { location, ...this.responseHeaders });
        res.end();
        return;
      }
      if (fault.malformed) {
        const text = '{"object":"list","data":[{"id": oops';
        res.writeHead(200, { 'content-type': 'application/json', ...this.responseHeaders });
        res.end(text);
        return;
      }
      if (fault.body !== undefined) {
        const status = fault.status ?? 200;
        if (typeof fault.body === 'string') sendText(res, status, fault.body, { ...this.responseHeaders, ...fault.headers });
        else sendJson(res, status, fault.body, { ...this.responseHeaders, ...fault.headers });
        return;
      }
      if (fault.status) {
        this.sendError(res, fault.status, fault.message, undefined, fault.headers);
        return;
      }
    }
    if (this.intercept(req, res)) return;
    if (this.apiKey && !this.isPublic(req.path) && req.headers.authorization !== `Bearer ${this.apiKey}`) {
      this.sendError(res, 401, 'Invalid API Key', 'authentication_error');
      return;
    }
    const route = this.routes.find((r) => (r.method === '*' || r.method === req.method) && matches(r.path, req.path));
    if (!route) return this.notFound(req, res);
    await route.handler(req, res, this);
  }
}
