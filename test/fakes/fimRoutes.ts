// Fake fill-in-the-middle servers: llama.cpp POST /infill (SSE, timings with
// cache_n/prompt_n, tokens_cached, its prefix/suffix/extra trimming and a
// per-slot prompt cache), Ollama POST /api/generate (NDJSON) + /api/show, and
// OpenAI POST /v1/completions (SSE). A latency model charges prompt time per
// uncached token and generation time per token. A client that disconnects
// stops a streaming request (recorded as aborted) — but, as llama.cpp build
// 11669 does, only when the server writes its next token: the whole prompt is
// evaluated first (and stays cached); a non-streaming one runs on to the end
// holding its slot. A request with `id_slot` waits for that slot. Faults: any status
// (501 as Ollama/LM Studio answer /infill, 400 …), malformed data, cut-off.
// A plain `(req, res) => boolean` handler; `startFimServer` mounts it alone,
// `mountFim` adds it to a FakeServer (FakeLlamaCpp, FakeOllama, …).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeServer } from './fakeServer';

export type Fault =
  | { kind: 'status'; status: number; body?: string }
  /** The connection is closed before any answer (e.g. a keep-alive socket the server just dropped). */
  | { kind: 'reset' }
  | { kind: 'malformed'; afterTokens?: number }
  | { kind: 'cutoff'; afterTokens?: number }
  | { kind: 'streamError'; afterTokens?: number; message?: string };

export interface GenerateInput {
  path: string;
  body: Record<string, unknown>;
  /** Text before / after the cursor as the server understood it. */
  prefix: string;
  suffix: string;
}

export interface FimFakeOptions {
  promptMsPerToken: number;
  genMsPerToken: number;
  charsPerToken: number;
  nBatch: number;
  /** Context per slot. */
  nCtx: number;
  slots: number;
  /** False: /infill answers 501 (Ollama, LM Studio). */
  infill: boolean;
  /** The completion to stream; ends with stop_type "eos" when exhausted. */
  generate: (input: GenerateInput) => string;
  /** Ollama models and their capabilities (absent: any model, with insert). */
  ollamaModels?: Record<string, string[]>;
  fault?: (path: string, body: Record<string, unknown>) => Fault | undefined;
  /**
   * When a closed connection stops a streaming request: 'token' (llama.cpp:
   * only when the next token is written, so a prompt is evaluated to the end)
   * or 'batch' (between prompt batches).
   */
  noticeClose: 'token' | 'batch';
}

export interface FimRecord {
  path: string;
  body: Record<string, unknown>;
  slot: number;
  stream: boolean;
  promptTokens: number;
  cachedTokens: number;
  generatedTokens: number;
  /** The client went away before the end (streaming: generation stopped). */
  aborted: boolean;
  /** Evaluated prompt text (server layout), for assertions. */
  prompt: string;
  stopType?: string;
  started: number;
  ended?: number;
  /** When the client closed the connection before the end. */
  goneAt?: number;
}

const DEFAULTS: FimFakeOptions = {
  promptMsPerToken: 0.2,
  genMsPerToken: 1,
  charsPerToken: 2.8,
  nBatch: 2048,
  nCtx: 8192,
  slots: 1,
  infill: true,
  generate: () => 'return 42;\n}',
  noticeClose: 'token',
};

interface Slot {
  cached: string;
  busy: boolean;
  lastUsed: number;
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export class FimFake {
  readonly opts: FimFakeOptions;
  readonly records: FimRecord[] = [];
  readonly slots: Slot[];
  private waiting: (() => void)[] = [];

  constructor(options: Partial<FimFakeOptions> = {}) {
    this.opts = { ...DEFAULTS, ...options };
    this.slots = Array.from({ length: this.opts.slots }, () => ({ cached: '', busy: false, lastUsed: 0 }));
  }

  tokens(text: string): number {
    return Math.ceil(text.length / this.opts.charsPerToken);
  }

  /** llama.cpp's format_infill: [extra][PRE][prefix tail][prompt][SUF][suffix head][MID]. */
  infillPrompt(body: Record<string, unknown>): { text: string; prefix: string; suffix: string } {
    const cpt = this.opts.charsPerToken;
    const q = Math.floor(this.opts.nBatch / 4);
    const prompt = str(body.prompt);
    let prefix = str(body.input_prefix);
    let suffix = str(body.input_suffix);
    const maxPrefix = Math.floor(3 * q * cpt);
    if (prefix.length > maxPrefix) prefix = prefix.slice(prefix.length - maxPrefix);
    const maxSuffix = Math.floor(Math.max(0, q - (2 + this.tokens(prompt))) * cpt);
    if (suffix.length > maxSuffix) suffix = suffix.slice(0, maxSuffix);
    let extra = '<|repo_name|>myproject\n';
    for (const c of Array.isArray(body.input_extra) ? (body.input_extra as Record<string, unknown>[]) : []) {
      extra += `<|file_sep|>${str(c.filename) || 'tmp'}\n${str(c.text)}`;
    }
    extra += '<|file_sep|>filename\n';
    // The server's default n_predict (-1), not the request's, as llama.cpp does.
    const maxExtra = Math.floor(Math.max(0, this.opts.nCtx - this.opts.nBatch + 2) * cpt);
    if (extra.length > maxExtra) extra = extra.slice(extra.length - maxExtra);
    return { text: `${extra}<PRE>${prefix}${prompt}<SUF>${suffix}<MID>`, prefix: prefix + prompt, suffix };
  }

  /** Handles a fake route; false when the path is not one of them. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const path = (req.url ?? '/').split('?')[0];
    const routes = ['/infill', '/api/generate', '/api/show', '/v1/completions', '/props', '/health'];
    if (!routes.includes(path)) return false;
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        return this.json(res, 400, { error: { code: 400, message: 'invalid JSON', type: 'invalid_request_error' } });
      }
      void this.serve(path, body, res);
    });
    return true;
  }

  /** Answers one request whose body is already parsed (also used by `mountFim`). */
  async serve(path: string, body: Record<string, unknown>, res: http.ServerResponse): Promise<void> {
    const fault = this.opts.fault?.(path, body);
    if (fault?.kind === 'reset') {
      res.socket?.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      res.end(fault.body ?? JSON.stringify({ error: { code: fault.status, message: `fault ${fault.status}`, type: 'fault' } }));
      return;
    }
    await this.route(path, body, res, fault);
  }

  private json(res: http.ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  }

  private async route(path: string, body: Record<string, unknown>, res: http.ServerResponse, fault?: Fault): Promise<void> {
    if (path === '/health') return this.json(res, 200, { status: 'ok' });
    if (path === '/props')
      return this.json(res, 200, { default_generation_settings: { n_ctx: this.opts.nCtx }, total_slots: this.opts.slots });
    if (path === '/infill') {
      if (!this.opts.infill)
        return this.json(res, 501, { error: { code: 501, message: 'This server does not support infill.', type: 'not_supported_error' } });
      if (typeof body.input_suffix !== 'string' && typeof body.input_prefix !== 'string') {
        return this.json(res, 400, { error: { code: 400, message: "key 'input_suffix' not found", type: 'invalid_request_error' } });
      }
      const p = this.infillPrompt(body);
      return this.run('infill', path, body, p.text, { path, body, prefix: p.prefix, suffix: p.suffix }, res, fault);
    }
    const model = str(body.model);
    const caps = this.opts.ollamaModels;
    if (path === '/api/show') {
      if (caps && !caps[model]) return this.json(res, 404, { error: `model '${model}' not found` });
      return this.json(res, 200, { capabilities: caps ? caps[model] : ['completion', 'insert'] });
    }
    if (path === '/api/generate') {
      if (caps && !caps[model]) return this.json(res, 404, { error: `model '${model}' not found` });
      const insert = !caps || caps[model].includes('insert');
      if (body.suffix !== undefined && !insert)
        return this.json(res, 400, { error: `registry.ollama.ai/library/${model} does not support insert` });
      const prompt = str(body.prompt);
      const text = body.suffix !== undefined ? `<|fim_prefix|>${prompt}<|fim_suffix|>${str(body.suffix)}<|fim_middle|>` : prompt;
      const split = this.splitRaw(text);
      return this.run(
        'ollama',
        path,
        body,
        text,
        {
          path,
          body,
          prefix: body.suffix !== undefined ? prompt : split.prefix,
          suffix: body.suffix !== undefined ? str(body.suffix) : split.suffix,
        },
        res,
        fault,
      );
    }
    const prompt = str(body.prompt);
    const split = this.splitRaw(prompt);
    return this.run('openai', path, body, prompt, { path, body, prefix: split.prefix, suffix: split.suffix }, res, fault);
  }

  /** Prefix and suffix out of a raw FIM prompt (PSM templates with <…prefix…>/<…suffix…>/<…middle…> tokens, or Codestral's SPM). */
  private splitRaw(text: string): { prefix: string; suffix: string } {
    const spm = /\[SUFFIX\]([\s\S]*)\[PREFIX\] ?([\s\S]*)$/.exec(text);
    if (spm) return { prefix: spm[2], suffix: spm[1] };
    const m =
      /(?:<\|?fim_prefix\|?>|<PRE> |<｜fim▁begin｜>)([\s\S]*?)(?:<\|?fim_suffix\|?>| <SUF>|<｜fim▁hole｜>)([\s\S]*?)(?:<\|?fim_middle\|?>| <MID>|<｜fim▁end｜>)/.exec(
        text,
      );
    return m ? { prefix: m[1], suffix: m[2] } : { prefix: text, suffix: '' };
  }

  /** A free slot: the one asked for (`id_slot`, wrapping around as llama.cpp does), else the best match; waits while none is free. */
  private async acquire(prompt: string, cancelled: () => boolean, wanted?: number): Promise<number> {
    for (;;) {
      if (cancelled()) return -1;
      let best = -1;
      let bestLen = -1;
      for (let i = 0; i < this.slots.length; i++) {
        const s = this.slots[i];
        if (s.busy || (wanted !== undefined && i !== wanted % this.slots.length)) continue;
        const len = commonPrefix(s.cached, prompt);
        if (len > bestLen || (len === bestLen && best >= 0 && s.lastUsed < this.slots[best].lastUsed)) {
          best = i;
          bestLen = len;
        }
      }
      if (best >= 0) {
        this.slots[best].busy = true;
        return best;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private wakeAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  private release(slot: number): void {
    this.slots[slot].busy = false;
    this.slots[slot].lastUsed = Date.now();
    // Every waiter looks again: one may want this slot by id.
    this.wakeAll();
  }

  private async run(
    api: 'infill' | 'ollama' | 'openai',
    path: string,
    body: Record<string, unknown>,
    prompt: string,
    input: GenerateInput,
    res: http.ServerResponse,
    fault?: Fault,
  ): Promise<void> {
    const stream = body.stream !== false;
    const rec: FimRecord = {
      path,
      body,
      slot: -1,
      stream,
      promptTokens: 0,
      cachedTokens: 0,
      generatedTokens: 0,
      aborted: false,
      prompt,
      started: Date.now(),
    };
    this.records.push(rec);
    let gone = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        gone = true;
        rec.goneAt = Date.now();
        this.wakeAll();
      }
    });
    const wanted =
      api === 'infill' && Number.isInteger(body.id_slot) && (body.id_slot as number) >= 0 ? (body.id_slot as number) : undefined;
    const slot = await this.acquire(prompt, () => stream && gone, wanted);
    if (slot < 0) {
      // Cancelled while queued: llama.cpp drops the task without touching a slot.
      rec.aborted = true;
      rec.ended = Date.now();
      return;
    }
    rec.slot = slot;
    const o = this.opts;
    const cachedChars = commonPrefix(this.slots[slot].cached, prompt);
    const total = this.tokens(prompt);
    rec.cachedTokens = Math.min(total, Math.floor(cachedChars / o.charsPerToken));
    rec.promptTokens = total - rec.cachedTokens;
    const promptMs = rec.promptTokens * o.promptMsPerToken;
    // The prompt is evaluated in n_batch chunks (one decode each); what was evaluated stays
    // in the slot's cache. llama.cpp notices a closed connection only when it writes a token.
    for (let done = 0; done < rec.promptTokens; done += o.nBatch) {
      const n = Math.min(o.nBatch, rec.promptTokens - done);
      await sleep(n * o.promptMsPerToken);
      if (stream && gone && (o.noticeClose === 'batch' || done + n >= rec.promptTokens)) {
        this.slots[slot].cached = prompt.slice(0, cachedChars + Math.floor((done + n) * o.charsPerToken));
        rec.promptTokens = done + n;
        rec.aborted = true;
        this.finish(rec, slot);
        return;
      }
    }
    this.slots[slot].cached = prompt;
    const nPredict =
      num(
        api === 'ollama'
          ? (body.options as Record<string, unknown> | undefined)?.num_predict
          : api === 'openai'
            ? body.max_tokens
            : body.n_predict,
      ) ?? 128;
    const tMax = api === 'infill' ? (num(body.t_max_predict_ms) ?? 0) : 0;
    const stops = (api === 'ollama' ? (body.options as Record<string, unknown> | undefined)?.stop : body.stop) as string[] | undefined;
    let target = o.generate(input);
    for (const s of stops ?? []) if (target.includes(s)) target = target.slice(0, target.indexOf(s));
    const step = Math.max(1, Math.round(o.charsPerToken));
    if (stream) {
      res.writeHead(200, { 'content-type': api === 'ollama' ? 'application/x-ndjson' : 'text/event-stream' });
      res.flushHeaders();
    }
    const send = (obj: unknown) => res.write(api === 'ollama' ? `${JSON.stringify(obj)}\n` : `data: ${JSON.stringify(obj)}\n\n`);
    const genStart = Date.now();
    let text = '';
    let stopType = 'eos';
    while (text.length < target.length) {
      if (stream && gone) break;
      if (rec.generatedTokens >= nPredict && nPredict >= 0) {
        stopType = 'limit';
        break;
      }
      if (tMax > 0 && Date.now() - genStart >= tMax && text.includes('\n')) {
        stopType = 'limit';
        break;
      }
      await sleep(o.genMsPerToken);
      const piece = target.slice(text.length, text.length + step);
      text += piece;
      rec.generatedTokens++;
      if (stream && !gone) {
        if (api === 'infill')
          send({
            index: 0,
            content: piece,
            tokens: [],
            stop: false,
            id_slot: -1,
            tokens_predicted: rec.generatedTokens,
            tokens_evaluated: total,
            ...(body.timings_per_token === true
              ? {
                  timings: {
                    cache_n: rec.cachedTokens,
                    prompt_n: rec.promptTokens,
                    prompt_ms: promptMs,
                    predicted_n: rec.generatedTokens,
                    predicted_ms: Date.now() - genStart,
                  },
                }
              : {}),
          });
        else if (api === 'ollama') send({ model: body.model, created_at: new Date().toISOString(), response: piece, done: false });
        else
          send({
            id: 'cmpl-fake',
            object: 'text_completion',
            created: 0,
            model: body.model,
            choices: [{ text: piece, index: 0, logprobs: null, finish_reason: null }],
          });
        if (fault && fault.kind !== 'status' && fault.kind !== 'reset' && (fault.afterTokens ?? 1) === rec.generatedTokens) {
          if (fault.kind === 'cutoff') {
            rec.aborted = true;
            this.finish(rec, slot);
            // Let the token reach the client, then drop the connection mid-stream.
            setTimeout(() => res.socket?.destroy(), 20);
            return;
          }
          if (fault.kind === 'malformed') res.write(api === 'ollama' ? '{"response": broken\n' : 'data: {"content": broken\n\n');
          if (fault.kind === 'streamError') send({ error: { code: 500, message: fault.message ?? 'slot crashed', type: 'server_error' } });
          res.end();
          this.finish(rec, slot);
          return;
        }
      }
    }
    const genMs = Date.now() - genStart;
    rec.stopType = stopType;
    if (stream && gone) {
      rec.aborted = true;
      this.finish(rec, slot);
      return;
    }
    const timings = {
      cache_n: rec.cachedTokens,
      prompt_n: rec.promptTokens,
      prompt_ms: promptMs,
      prompt_per_token_ms: o.promptMsPerToken,
      predicted_n: rec.generatedTokens,
      predicted_ms: genMs,
      predicted_per_token_ms: o.genMsPerToken,
    };
    let last: Record<string, unknown>;
    if (api === 'infill') {
      last = {
        index: 0,
        content: stream ? '' : text,
        stop: true,
        id_slot: slot,
        stop_type: stopType,
        tokens_predicted: rec.generatedTokens,
        tokens_evaluated: total,
        tokens_cached: total + rec.generatedTokens,
        truncated: false,
        timings,
      };
    } else if (api === 'ollama') {
      last = {
        model: body.model,
        created_at: new Date().toISOString(),
        response: stream ? '' : text,
        done: true,
        done_reason: stopType === 'limit' ? 'length' : 'stop',
        prompt_eval_count: rec.promptTokens,
        prompt_eval_duration: promptMs * 1e6,
        eval_count: rec.generatedTokens,
        eval_duration: genMs * 1e6,
      };
    } else {
      last = {
        id: 'cmpl-fake',
        object: 'text_completion',
        created: 0,
        model: body.model,
        choices: [{ text: stream ? '' : text, index: 0, logprobs: null, finish_reason: stopType === 'limit' ? 'length' : 'stop' }],
        timings,
      };
      const usage = {
        prompt_tokens: total,
        completion_tokens: rec.generatedTokens,
        total_tokens: total + rec.generatedTokens,
        prompt_tokens_details: { cached_tokens: rec.cachedTokens },
      };
      if ((body.stream_options as Record<string, unknown> | undefined)?.include_usage || !stream) last.usage = usage;
    }
    if (!stream) {
      if (gone) rec.aborted = true;
      this.finish(rec, slot);
      if (!gone) this.json(res, 200, last);
      return;
    }
    send(last);
    if (api === 'openai') res.write('data: [DONE]\n\n');
    res.end();
    this.finish(rec, slot);
  }

  private finish(rec: FimRecord, slot: number): void {
    rec.ended = Date.now();
    this.release(slot);
  }

  /** Totals over all records, for assertions and the benchmark. */
  summary(): {
    requests: number;
    aborted: number;
    promptTokens: number;
    cachedTokens: number;
    generatedTokens: number;
    discardedTokens: number;
  } {
    const s = { requests: 0, aborted: 0, promptTokens: 0, cachedTokens: 0, generatedTokens: 0, discardedTokens: 0 };
    for (const r of this.records) {
      s.requests++;
      if (r.aborted) {
        s.aborted++;
        s.discardedTokens += r.generatedTokens;
      }
      s.promptTokens += r.promptTokens;
      s.cachedTokens += r.cachedTokens;
      s.generatedTokens += r.generatedTokens;
    }
    return s;
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/**
 * Adds the FIM routes (POST /infill, /api/generate, /api/show, /v1/completions)
 * to one of the kind fakes, e.g. `mountFim(await startLlamaCpp())`.
 */
export function mountFim(server: FakeServer, fake = new FimFake()): FimFake {
  for (const path of ['/infill', '/api/generate', '/api/show', '/v1/completions']) {
    server.route('POST', path, (req, res) =>
      fake.serve(path, typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {}, res),
    );
  }
  return fake;
}

export interface RunningFake {
  url: string;
  fake: FimFake;
  close(): Promise<void>;
}

/** Starts a bare HTTP server on 127.0.0.1 with only the FIM routes. */
export async function startFimServer(options: Partial<FimFakeOptions> = {}): Promise<RunningFake> {
  const fake = new FimFake(options);
  const server = http.createServer((req, res) => {
    if (!fake.handle(req, res)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, message: 'File Not Found', type: 'not_found_error' } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    fake,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
