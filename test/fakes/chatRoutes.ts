// Fake /v1/chat/completions that streams the way real servers do: llama.cpp
// (role chunk, content chunks, finish chunk with `timings`, a `choices: []`
// usage chunk when include_usage, `data: [DONE]`), Ollama's OpenAI-compatible
// endpoint, vLLM, LM Studio and OpenAI; with `stream: false`, one
// `chat.completion` JSON (chatOnce.ts), structured output checked the way
// each kind checks it. Scripted replies (a queue of them for retries),
// reasoning variants, faults, and a record of every request. Mount `routes.handle` in any node:http
// server (it returns false for requests it does not serve), mount it on a
// FakeServer with `mountChat`, or use `startChatServer`.
import * as http from 'node:http';
import { contextExceededBody } from './chatErrors';
import { completionBody, refuseStructured, sendJsonBody, type StructuredAsk } from './chatOnce';
import { respondOllamaChat } from './ollamaChat';
import type { FakeRequest, FakeServer } from './fakeServer';
import { streamToolTurn, toolCompletion, toolRefusal, type FakeToolTurn, type ToolRefusal } from './toolTurns';

export type ChatFlavor = 'llamacpp' | 'ollama' | 'vllm' | 'lmstudio' | 'openai';

export type ChatFault =
  | 'malformedChunk' // one chunk of broken JSON in the middle, then the rest as usual
  | 'cutOff' // the socket is destroyed in the middle of the stream
  | 'streamError' // `data: {"error": {...}}` in the middle (llama.cpp today, vLLM, Ollama)
  | 'streamErrorLegacy' // `error: {...}` (older llama.cpp builds)
  | 'contextExceeded' // 400 with the server's own body, before streaming
  | 'rateLimited' // 429 with Retry-After
  | 'unavailable' // 503 "Loading model" with Retry-After
  | 'hang' // never answers
  | 'hangMidStream' // a few chunks, then silence
  | 'noDone' // ends after the finish chunk without `data: [DONE]` (some proxies)
  | 'endEarly' // ends the response cleanly in the middle, without finish_reason or [DONE]
  | 'jsonReply'; // ignores stream: true and answers with one chat.completion JSON (some proxies)

export interface ChatScript {
  flavor?: ChatFlavor;
  reply?: string;
  /** Replies in turn, one per request (the last one repeats); wins over `reply`. E.g. invalid JSON once, then valid. */
  replies?: string[];
  /** Refuse (400) a request that does not ask for structured output this way. */
  expectStructured?: StructuredAsk;
  /** Reasoning sent before the answer. */
  reasoning?: string;
  /** 'field': `reasoning_content` (Ollama: `reasoning`); 'think': `<think>…</think>` inside the content. */
  reasoningStyle?: 'field' | 'think';
  /** Content chunks (the reply is cut into this many pieces); default one per 4 characters. */
  chunks?: number;
  /** Delay before each chunk. */
  delayMs?: number;
  fault?: ChatFault;
  /** Chunks sent before a mid-stream fault; default half of them. */
  faultAfter?: number;
  /** Seconds, for 429/503. */
  retryAfter?: number;
  /** llama.cpp's context per slot, for contextExceeded. */
  nCtx?: number;
  finishReason?: 'stop' | 'length';
  /** The model name in chunks; default the request's model (llama.cpp: its model path). */
  model?: string;
  /** Tool calls to answer requests that offer `tools` with, one turn per request (toolTurns.ts); then the reply. */
  toolTurns?: FakeToolTurn[];
  /** Answer any request with `tools` by this server's refusal (toolTurns.ts). */
  refuseTools?: ToolRefusal;
  /**
   * Tool calls streamed after the reply's text as llama.cpp streams them (b7
   * in llama-facts): the id, type and name with the first piece of the
   * arguments, then the arguments a few characters per chunk, keyed by index;
   * the finish reason is then "tool_calls". `arguments` is sent as it is (so
   * a test can send malformed JSON).
   */
  toolCalls?: { id?: string; name: string; arguments: string }[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it did not parse). */
  body: any;
  at: number;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function split(text: string, pieces: number): string[] {
  if (!text) return [];
  const n = Math.max(1, Math.min(pieces, text.length));
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export class ChatRoutes {
  script: ChatScript;
  readonly requests: RecordedRequest[] = [];
  /** Streams whose client closed the connection before the end. */
  clientAborts = 0;
  private readonly open = new Set<http.ServerResponse>();

  constructor(script: ChatScript = {}) {
    this.script = script;
  }

  /** Serves POST /v1/chat/completions and Ollama's POST /api/chat; returns false for anything else. */
  handle = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/api/chat')) return false;
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      this.requests.push({ method: req.method ?? 'POST', path, headers: req.headers, body, at: Date.now() });
      const answer = path === '/api/chat' ? respondOllamaChat(this.script, body, res, undefined, this) : this.respond(body, res);
      answer.catch(() => res.destroy());
    });
    return true;
  };

  /** A FakeServer handler (the server already read and parsed the body). */
  serve = (req: FakeRequest, res: http.ServerResponse): Promise<void> => {
    const body = typeof req.body === 'object' && req.body !== null ? req.body : undefined;
    this.requests.push({ method: req.method, path: req.path, headers: req.headers, body, at: Date.now() });
    return this.respond(body, res).catch(() => void res.destroy());
  };

  /** A FakeServer handler for Ollama's /api/chat (`knownModels`: others get Ollama's 404). */
  serveOllama = (req: FakeRequest, res: http.ServerResponse, knownModels?: string[]): Promise<void> => {
    const body = typeof req.body === 'object' && req.body !== null ? req.body : undefined;
    this.requests.push({ method: req.method, path: req.path, headers: req.headers, body, at: Date.now() });
    return respondOllamaChat(this.script, body, res, knownModels, this).catch(() => void res.destroy());
  };

  /** The reply for the next request: the next of `replies`, else `reply`. */
  nextReply(fallback: string): string {
    const queue = this.script.replies;
    if (queue && queue.length > 1) return queue.shift()!;
    if (queue && queue.length === 1) return queue[0];
    return this.script.reply ?? fallback;
  }

  /** The last request's body. */
  get last(): any {
    return this.requests[this.requests.length - 1]?.body;
  }

  /** Ends hanging responses (call before closing the server). */
  closeAll(): void {
    for (const res of this.open) res.destroy();
    this.open.clear();
  }

  private async respond(body: any, res: http.ServerResponse): Promise<void> {
    const s = this.script;
    const flavor = s.flavor ?? 'llamacpp';
    if (body === undefined || !Array.isArray(body.messages)) {
      return this.json(res, 400, { error: { code: 400, message: 'Invalid request: messages is required', type: 'invalid_request_error' } });
    }
    if (s.fault === 'hang') {
      this.open.add(res);
      return;
    }
    const promptTokens = Math.ceil(JSON.stringify(body.messages).length / 4);
    if (s.fault === 'contextExceeded') return this.json(res, 400, contextExceededBody(flavor, promptTokens, s.nCtx ?? 2048));
    if (s.fault === 'rateLimited') {
      return this.json(res, 429, { error: { code: 429, message: 'Rate limit exceeded', type: 'rate_limit_error' } }, s.retryAfter ?? 1);
    }
    if (s.fault === 'unavailable') {
      return this.json(res, 503, { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } }, s.retryAfter ?? 1);
    }
    const model = s.model ?? (flavor === 'llamacpp' ? '/models/fake.gguf' : String(body.model ?? 'fake'));
    if (Array.isArray(body.tools) && s.refuseTools) {
      const r = toolRefusal(s.refuseTools, String(body.model ?? ''));
      return this.json(res, r.status, r.body);
    }
    const turn = Array.isArray(body.tools) && body.tool_choice !== 'none' ? s.toolTurns?.shift() : undefined;
    if (turn && (body.stream !== true || s.fault === 'jsonReply')) return this.json(res, 200, toolCompletion(turn, model));
    if (turn) return streamToolTurn(res, turn, model, this.track(res), body.stream_options?.include_usage === true);
    if (s.fault === 'jsonReply') {
      const reply = s.reply ?? 'Hello from the fake server.';
      return this.json(res, 200, {
        id: 'chatcmpl-json',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: s.model ?? String(body.model ?? 'fake'),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: reply, ...(s.reasoning ? { reasoning_content: s.reasoning } : {}) },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: promptTokens, completion_tokens: 4, total_tokens: promptTokens + 4 },
      });
    }
    const refused = refuseStructured(flavor, body, false, s.expectStructured);
    if (refused) return sendJsonBody(res, refused.status, refused.body);
    if (body.stream !== true) return this.respondOnce(body, res, promptTokens);

    const id = `chatcmpl-${Math.random().toString(36).slice(2, 12)}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = body.stream_options?.include_usage === true;
    const reply = this.nextReply('Hello from the fake server.');
    const count = s.chunks ?? Math.ceil(reply.length / 4);
    const deltas: Record<string, unknown>[] = [];
    if (s.reasoning && s.reasoningStyle === 'think') {
      deltas.push(
        ...split(`<think>${s.reasoning}</think>\n\n`, Math.max(2, Math.ceil(s.reasoning.length / 4))).map((c) => ({ content: c })),
      );
    } else if (s.reasoning) {
      const field = flavor === 'ollama' ? 'reasoning' : 'reasoning_content';
      deltas.push(...split(s.reasoning, Math.ceil(s.reasoning.length / 4)).map((c) => ({ [field]: c })));
    }
    deltas.push(...split(reply, count).map((c) => ({ content: c })));
    (s.toolCalls ?? []).forEach((call, index) => {
      const [first = '', ...rest] = split(call.arguments, Math.ceil(call.arguments.length / 4));
      const id = call.id ?? `fake${index}${Math.random().toString(36).slice(2, 10)}`;
      deltas.push({ tool_calls: [{ index, id, type: 'function', function: { name: call.name, arguments: first } }] });
      for (const piece of rest) deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
    });

    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => {
      const base: Record<string, unknown> =
        flavor === 'llamacpp'
          ? { choices, created, id, model, system_fingerprint: 'b0000-fake', object: 'chat.completion.chunk' }
          : {
              id,
              object: 'chat.completion.chunk',
              created,
              model,
              ...(flavor === 'ollama' ? { system_fingerprint: 'fp_ollama' } : {}),
              choices,
            };
      if (flavor === 'openai' && usage) base.usage = null;
      return { ...base, ...extra };
    };
    const choice = (delta: Record<string, unknown>, finish: string | null) =>
      flavor === 'vllm' || flavor === 'openai' || flavor === 'lmstudio'
        ? { index: 0, delta, logprobs: null, finish_reason: finish }
        : flavor === 'ollama'
          ? { index: 0, delta: { role: 'assistant', ...delta }, finish_reason: finish }
          : { finish_reason: finish, index: 0, delta };

    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      ...(flavor === 'llamacpp' ? { Server: 'llama.cpp' } : {}),
    });
    const closed = this.track(res);
    const send = (data: unknown) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);

    const started = Date.now();
    const faultAt = s.faultAfter ?? Math.floor(deltas.length / 2);
    if (flavor === 'llamacpp') send(chunk([choice({ role: 'assistant', content: null }, null)]));
    else if (flavor !== 'ollama') send(chunk([choice({ role: 'assistant', content: '' }, null)]));
    for (let i = 0; i < deltas.length; i++) {
      if (s.delayMs) await wait(s.delayMs);
      if (closed()) return;
      if (i === faultAt) {
        switch (s.fault) {
          case 'malformedChunk':
            res.write('data: {"choices":[{"delta":{"content":"broken\n\n');
            break;
          case 'cutOff':
            // Let what was written reach the client first, as with a server that crashes mid-reply.
            await new Promise<void>((resolve) => res.write('', () => resolve()));
            await wait(20);
            res.socket?.destroy();
            return;
          case 'streamError':
            send({ error: { code: 500, message: 'Fake failure in the middle of the stream', type: 'server_error' } });
            res.end();
            return;
          case 'streamErrorLegacy':
            res.write(
              `error: ${JSON.stringify({ code: 500, message: 'Fake failure in the middle of the stream', type: 'server_error' })}\n\n`,
            );
            res.end();
            return;
          case 'hangMidStream':
            return;
          case 'endEarly':
            res.end();
            return;
        }
      }
      send(chunk([choice(deltas[i], null)]));
    }
    if (s.delayMs) await wait(s.delayMs);
    if (closed()) return;
    const finish = s.finishReason ?? (s.toolCalls?.length ? 'tool_calls' : 'stop');
    const predictedMs = Math.max(1, Date.now() - started);
    const timings = {
      cache_n: 0,
      prompt_n: promptTokens,
      prompt_ms: 5,
      prompt_per_token_ms: 5 / promptTokens,
      prompt_per_second: (promptTokens / 5) * 1000,
      predicted_n: deltas.length,
      predicted_ms: predictedMs,
      predicted_per_token_ms: predictedMs / deltas.length,
      predicted_per_second: (deltas.length / predictedMs) * 1000,
    };
    const usageBody = { completion_tokens: deltas.length, prompt_tokens: promptTokens, total_tokens: deltas.length + promptTokens };
    const finalDelta = flavor === 'llamacpp' ? {} : { content: '' };
    if (flavor === 'llamacpp') send(chunk([choice(finalDelta, finish)], usage ? {} : { timings }));
    else send(chunk([choice(finalDelta, finish)]));
    if (usage) send(chunk([], flavor === 'llamacpp' ? { usage: usageBody, timings } : { usage: usageBody }));
    if (s.fault !== 'noDone') send('[DONE]');
    res.end();
  }

  /** A non-streamed answer: one chat.completion JSON after `delayMs`; `cutOff` sends half of it, then drops the connection. */
  private async respondOnce(body: any, res: http.ServerResponse, promptTokens: number): Promise<void> {
    const s = this.script;
    const reply = this.nextReply('Hello from the fake server.');
    const closed = this.track(res);
    if (s.delayMs) await wait(s.delayMs);
    if (closed()) return;
    const text = JSON.stringify(completionBody(s.flavor ?? 'llamacpp', s, body, reply, promptTokens));
    if (s.fault === 'cutOff') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      await new Promise<void>((resolve) => res.write(text.slice(0, text.length >> 1), () => resolve()));
      await wait(20);
      res.socket?.destroy();
      return;
    }
    sendJsonBody(res, 200, JSON.parse(text));
  }

  /** Keeps `res` to end on closeAll; counts a client that goes away before the end. Returns whether it went away. */
  private track(res: http.ServerResponse): () => boolean {
    this.open.add(res);
    let closed = false;
    res.on('close', () => {
      this.open.delete(res);
      if (!res.writableFinished) {
        closed = true;
        this.clientAborts++;
      }
    });
    return () => closed;
  }

  private json(res: http.ServerResponse, status: number, body: unknown, retryAfter?: number): void {
    const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
    if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }
}

/**
 * Adds POST /v1/chat/completions (and, for a FakeOllama, its own /api/chat) to a
 * fake server; returns the routes to script and inspect.
 */
export function mountChat(server: FakeServer, routes = new ChatRoutes()): ChatRoutes {
  server.route('POST', '/v1/chat/completions', routes.serve);
  const models = (server as { models?: { name?: unknown }[] }).models;
  // Only Ollama's models have names (and only Ollama has /api/chat).
  if (models?.length && models.every((m) => typeof m.name === 'string'))
    server.route('POST', '/api/chat', (req, res) =>
      routes.serveOllama(
        req,
        res,
        models.map((m) => String(m.name)),
      ),
    );
  return routes;
}

export interface ChatServer {
  url: string;
  routes: ChatRoutes;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 with `routes` mounted (404 for anything else). */
export async function startChatServer(routes = new ChatRoutes()): Promise<ChatServer> {
  const server = http.createServer((req, res) => {
    if (!routes.handle(req, res)) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, message: 'File Not Found', type: 'not_found_error' } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        routes.closeAll();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
