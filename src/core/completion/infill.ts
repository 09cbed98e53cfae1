// llama.cpp's POST /infill, streamed: input_prefix / prompt / input_suffix /
// input_extra as the server's `format_infill` expects, the prompt cache on,
// an adaptive `t_max_predict_ms`, and `timings` (cache_n = tokens reused from
// the prompt cache) read from the last event. Aborting closes the connection;
// llama.cpp then stops the task at its next check ("stop: cancel task"). With
// a SlotAffinity, a request after one closed early asks for the slot holding
// this editor's cache.
import type { FimBackend, FimClient, FimRequest, FimResult, FimTimings, StopReason } from './backend';
import { malformed, num, parseJson, sseEvents, throwStreamError, unknownItem } from './backend';
import type { SlotAffinity } from './slots';

export const DEFAULT_SAMPLERS: readonly string[] = ['top_k', 'top_p', 'infill'];

const RESPONSE_FIELDS = ['content', 'stop', 'stop_type', 'timings', 'tokens_evaluated', 'tokens_cached', 'truncated', 'id_slot'];

export function infillBody(req: FimRequest, nPredict: number, stream: boolean, idSlot?: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    input_prefix: req.input.inputPrefix,
    input_suffix: req.input.suffix,
    prompt: req.input.prompt,
    input_extra: req.extra.map((c) => ({ filename: c.filename, text: c.text })),
    n_predict: nPredict,
    n_indent: req.input.indent,
    stream,
    cache_prompt: true,
    // Timings in every event: a request Hearth closes early still tells the prompt's cost.
    timings_per_token: true,
    top_k: req.topK ?? 40,
    top_p: req.topP ?? 0.99,
    samplers: [...(req.samplers ?? DEFAULT_SAMPLERS)],
    response_fields: RESPONSE_FIELDS,
  };
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.timeBudgetMs && req.timeBudgetMs > 0) body.t_max_predict_ms = Math.round(req.timeBudgetMs);
  if (idSlot !== undefined) body.id_slot = idSlot;
  return body;
}

/** llama.cpp `timings` (+ tokens_evaluated) → FimTimings. */
export function llamaTimings(obj: Record<string, unknown>): FimTimings {
  const t = (typeof obj.timings === 'object' && obj.timings !== null ? obj.timings : {}) as Record<string, unknown>;
  const promptTokens = num(t.prompt_n);
  const cachedTokens = num(t.cache_n);
  const total = num(obj.tokens_evaluated) ?? (promptTokens !== undefined ? promptTokens + (cachedTokens ?? 0) : undefined);
  return {
    promptMs: num(t.prompt_ms),
    promptTokens,
    cachedTokens,
    genMs: num(t.predicted_ms),
    generatedTokens: num(t.predicted_n),
    totalPromptTokens: total,
  };
}

function stopReason(obj: Record<string, unknown>): StopReason {
  switch (obj.stop_type) {
    case 'eos':
      return 'eos';
    case 'limit':
      return 'limit';
    case 'word':
      return 'stop';
    default:
      return 'unknown';
  }
}

export class InfillBackend implements FimBackend {
  readonly kind = 'infill';

  constructor(
    private readonly client: FimClient,
    private readonly slots?: SlotAffinity,
  ) {}

  async complete(req: FimRequest): Promise<FimResult> {
    const res = await this.client.stream('/infill', {
      method: 'POST',
      body: infillBody(req, req.nPredict, true, this.slots?.next()),
      signal: req.signal,
      model: req.model,
      quiet: true,
    });
    let text = '';
    let timings: FimTimings = {};
    for await (const data of sseEvents(res)) {
      if (data === '[DONE]') break;
      const obj = parseJson(data, 'an /infill event', res);
      throwStreamError(obj, res);
      if (typeof obj.content !== 'string' && obj.stop === undefined) throw unknownItem('an /infill event without "content"', obj, res);
      if (typeof obj.timings === 'object' && obj.timings !== null) timings = llamaTimings(obj);
      if (typeof obj.content === 'string' && obj.content) {
        text += obj.content;
        req.onText?.(text);
      }
      if (obj.stop !== true && req.stopWhen?.(text)) return { text, timings, fromCache: false, stop: 'client' };
      if (obj.stop === true) {
        this.slots?.learn(obj.id_slot);
        const timings = llamaTimings(obj);
        // t_max_predict_ms ends generation with stop_type "limit" before n_predict tokens.
        let stop = stopReason(obj);
        if (stop === 'limit' && req.timeBudgetMs && (timings.generatedTokens ?? req.nPredict) < req.nPredict) stop = 'time';
        return { text, timings, fromCache: false, stop };
      }
    }
    throw malformed('llama.cpp ended its /infill stream before the last event (the connection was cut off).');
  }

  /** Prompt processing only (`n_predict: 0`): fills the slot's cache, e.g. after the extra context changed. */
  async warmup(req: FimRequest): Promise<FimTimings> {
    const res = await this.client.stream('/infill', {
      method: 'POST',
      body: infillBody(req, 0, true, this.slots?.next()),
      signal: req.signal,
      model: req.model,
      quiet: true,
    });
    for await (const data of sseEvents(res)) {
      const obj = parseJson(data, 'an /infill event', res);
      throwStreamError(obj, res);
      if (obj.stop === true) {
        this.slots?.learn(obj.id_slot);
        return llamaTimings(obj);
      }
    }
    throw malformed('llama.cpp ended its /infill warm-up stream early.');
  }
}
