// POST /v1/completions (vLLM, LM Studio, llama.cpp, any OpenAI-compatible
// server), streamed: the family template as the prompt, the family's stop
// tokens, `max_tokens`. llama.cpp adds its `timings` to the last chunk.
import { HearthError } from '../errors';
import type { FimBackend, FimClient, FimRequest, FimResult, FimTimings, StopReason } from './backend';
import { fullPrefix, GenerationBudget, malformed, num, parseJson, sseEvents, throwStreamError, unknownItem } from './backend';
import { llamaTimings } from './infill';

export interface OpenAICompletionsOptions {
  /** Ask for `stream_options.include_usage` (default true; some proxies reject it). */
  streamUsage?: boolean;
  now?: () => number;
}

function usageTimings(usage: Record<string, unknown>): FimTimings {
  const details = (typeof usage.prompt_tokens_details === 'object' && usage.prompt_tokens_details) as Record<string, unknown> | false;
  const cached = details ? num(details.cached_tokens) : undefined;
  const total = num(usage.prompt_tokens);
  return {
    totalPromptTokens: total,
    cachedTokens: cached,
    promptTokens: total !== undefined ? total - (cached ?? 0) : undefined,
    generatedTokens: num(usage.completion_tokens),
  };
}

export class OpenAICompletionsBackend implements FimBackend {
  readonly kind = 'openai';

  constructor(
    private readonly client: FimClient,
    private readonly options: OpenAICompletionsOptions = {},
  ) {}

  body(req: FimRequest): Record<string, unknown> {
    if (!req.template) {
      throw new HearthError(
        'badRequest',
        `No FIM template is known for "${req.model}", so /v1/completions cannot fill in the middle. Choose a template in settings.`,
        { model: req.model, actions: ['openSettings', 'selectModel'] },
      );
    }
    const body: Record<string, unknown> = {
      model: req.model,
      prompt: req.template.format({
        prefix: fullPrefix(req.input),
        suffix: req.input.suffix,
        filename: req.input.filename,
        repoName: req.repoName,
        extra: req.extra,
      }),
      max_tokens: req.nPredict,
      stream: true,
      stop: [...req.template.stop],
    };
    if (this.options.streamUsage !== false) body.stream_options = { include_usage: true };
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.topP !== undefined) body.top_p = req.topP;
    return body;
  }

  async complete(req: FimRequest): Promise<FimResult> {
    const res = await this.client.stream('/v1/completions', {
      method: 'POST',
      body: this.body(req),
      signal: req.signal,
      model: req.model,
      quiet: true,
    });
    const budget = new GenerationBudget(req.timeBudgetMs, this.options.now);
    let text = '';
    let stop: StopReason | undefined;
    let timings: FimTimings = {};
    for await (const data of sseEvents(res)) {
      if (data === '[DONE]') return { text, timings, fromCache: false, stop: stop ?? 'unknown' };
      const obj = parseJson(data, 'a /v1/completions event', res);
      throwStreamError(obj, res);
      if (!Array.isArray(obj.choices) && obj.usage === undefined && obj.timings === undefined) {
        throw unknownItem('an event without "choices"', obj, res);
      }
      const choice = Array.isArray(obj.choices) ? (obj.choices[0] as Record<string, unknown> | undefined) : undefined;
      if (choice && typeof choice.text === 'string' && choice.text) {
        text += choice.text;
        req.onText?.(text);
      }
      const finish = choice?.finish_reason;
      if (finish === 'length') stop = 'limit';
      else if (finish === 'stop') stop = 'eos';
      if (typeof obj.usage === 'object' && obj.usage !== null)
        timings = { ...timings, ...usageTimings(obj.usage as Record<string, unknown>) };
      if (typeof obj.timings === 'object' && obj.timings !== null) timings = { ...timings, ...llamaTimings(obj) };
      const kept = budget.check(text);
      if (kept !== undefined) return { text: kept, timings, fromCache: false, stop: 'time' };
      if (!finish && req.stopWhen?.(text)) return { text, timings, fromCache: false, stop: 'client' };
    }
    // Some servers end without [DONE]; a stream that ended after a finish reason is complete.
    if (stop) return { text, timings, fromCache: false, stop };
    throw malformed('The server ended its /v1/completions stream early (the connection was cut off).');
  }
}
