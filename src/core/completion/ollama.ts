// Ollama's POST /api/generate, streamed as NDJSON. Models whose capabilities
// include `insert` get `prompt` + `suffix` (Ollama applies the model's own
// FIM template); others get the family template with `raw: true`. `num_ctx`
// is sent only when known, and then the same value chat sends (a different
// one than chat's would make Ollama reload the model).
import { HearthError } from '../errors';
import type { FimBackend, FimClient, FimRequest, FimResult, FimTimings, StopReason } from './backend';
import { fullPrefix, GenerationBudget, malformed, ndjsonLines, num, throwStreamError, unknownItem } from './backend';

const NS_PER_MS = 1e6;

export function ollamaTimings(obj: Record<string, unknown>): FimTimings {
  const promptNs = num(obj.prompt_eval_duration);
  const genNs = num(obj.eval_duration);
  return {
    promptMs: promptNs !== undefined ? promptNs / NS_PER_MS : undefined,
    promptTokens: num(obj.prompt_eval_count),
    genMs: genNs !== undefined ? genNs / NS_PER_MS : undefined,
    generatedTokens: num(obj.eval_count),
  };
}

export interface OllamaBackendOptions {
  /** Known capabilities per model (from discovery); asked with /api/show otherwise. */
  capabilities?: (model: string) => readonly string[] | undefined;
  /** Clock for the client-side time budget (tests). */
  now?: () => number;
  /** `options.num_ctx`: the context length chat uses too; none leaves Ollama's own. */
  numCtx?: number;
}

export class OllamaBackend implements FimBackend {
  readonly kind = 'ollama';
  private readonly insert = new Map<string, Promise<boolean>>();

  constructor(
    private readonly client: FimClient,
    private readonly options: OllamaBackendOptions = {},
  ) {}

  /** Whether the model takes `suffix` (its template has one); cached per model. */
  supportsInsert(model: string): Promise<boolean> {
    const known = this.options.capabilities?.(model);
    if (known) return Promise.resolve(known.includes('insert'));
    let hit = this.insert.get(model);
    if (!hit) {
      hit = this.client
        .json<{ capabilities?: unknown }>('/api/show', { method: 'POST', body: { model }, quiet: true })
        .then((r) => Array.isArray(r.capabilities) && r.capabilities.includes('insert'))
        .catch(() => {
          this.insert.delete(model);
          return false;
        });
      this.insert.set(model, hit);
    }
    return hit;
  }

  async body(req: FimRequest): Promise<Record<string, unknown>> {
    const options: Record<string, unknown> = { num_predict: req.nPredict };
    if (req.temperature !== undefined) options.temperature = req.temperature;
    if (req.topK !== undefined) options.top_k = req.topK;
    if (req.topP !== undefined) options.top_p = req.topP;
    if (this.options.numCtx) options.num_ctx = this.options.numCtx;
    const body: Record<string, unknown> = { model: req.model, stream: true, options };
    if (req.keepAlive !== undefined) body.keep_alive = req.keepAlive;
    if (await this.supportsInsert(req.model)) {
      body.prompt = fullPrefix(req.input);
      body.suffix = req.input.suffix;
      if (req.template) options.stop = [...req.template.stop];
      return body;
    }
    if (!req.template) {
      throw new HearthError(
        'badRequest',
        `"${req.model}" cannot fill in the middle on Ollama: it has no "insert" capability and no FIM template is known for it. Choose a template in settings or another model.`,
        { model: req.model, actions: ['openSettings', 'selectModel'] },
      );
    }
    body.raw = true;
    body.prompt = req.template.format({
      prefix: fullPrefix(req.input),
      suffix: req.input.suffix,
      filename: req.input.filename,
      repoName: req.repoName,
      extra: req.extra,
    });
    options.stop = [...req.template.stop];
    return body;
  }

  async complete(req: FimRequest): Promise<FimResult> {
    const res = await this.client.stream('/api/generate', {
      method: 'POST',
      body: await this.body(req),
      signal: req.signal,
      model: req.model,
      quiet: true,
    });
    const budget = new GenerationBudget(req.timeBudgetMs, this.options.now);
    let text = '';
    for await (const obj of ndjsonLines(res)) {
      throwStreamError(obj, res);
      if (typeof obj.response !== 'string' && obj.done === undefined) throw unknownItem('a line without "response"', obj, res);
      if (typeof obj.response === 'string' && obj.response) {
        text += obj.response;
        req.onText?.(text);
      }
      if (obj.done !== true && req.stopWhen?.(text)) return { text, timings: {}, fromCache: false, stop: 'client' };
      if (obj.done === true) {
        const stop: StopReason = obj.done_reason === 'length' ? 'limit' : obj.done_reason === 'stop' ? 'eos' : 'unknown';
        return { text, timings: ollamaTimings(obj), fromCache: false, stop };
      }
      const kept = budget.check(text);
      if (kept !== undefined) return { text: kept, timings: {}, fromCache: false, stop: 'time' };
    }
    throw malformed('Ollama ended its /api/generate stream before the last line (the connection was cut off).');
  }
}
