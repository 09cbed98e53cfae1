// Sends the engine's flights and books their end: builds the backend
// request from a prepared position, streams it (with one retry when the
// connection closes before any answer), and, when the connection closes,
// learns the server's speed, caches the finished suggestion and reports one
// CompletionStats per flight.
import { isHearthError } from '../errors';
import type { Logger } from '../types';
import type { FimBackend, FimRequest, FimResult } from './backend';
import { estimateTokens } from './excerpt';
import { Flight, type FlightHooks, type Prepared } from './flight';
import type { CompletionSettings, EngineConfig } from './options';
import { moreThanLines } from './positions';
import { postprocess } from './postprocess';
import type { ServerSpeed } from './speed';
import type { CompletionStats, RequestKind, RequestOutcome } from './stats';

export interface FlightDeps {
  config: EngineConfig & { settings: CompletionSettings };
  speed: ServerSpeed;
  log: Logger;
  /** Stores a finished suggestion (an empty one too). */
  store(p: Prepared, text: string): void;
  emit(stats: CompletionStats): void;
}

/** The longest a cancelled llama.cpp request is held open waiting for its first token. */
const HOLD_LIMIT_MS = 60_000;

export class Flights {
  constructor(private readonly deps: FlightDeps) {}

  private get settings(): CompletionSettings {
    return this.deps.config.settings;
  }

  request(p: Prepared, signal: AbortSignal, hooks?: Partial<FlightHooks>, nPredict = this.settings.nPredict): FimRequest {
    const s = this.settings;
    const e = p.excerpt;
    return {
      model: this.deps.config.model,
      input: { inputPrefix: e.inputPrefix, prompt: e.prompt, suffix: e.suffix, filename: e.fileName, indent: e.indent },
      extra: p.extra,
      template: this.deps.config.template,
      repoName: this.deps.config.repoName,
      nPredict,
      timeBudgetMs: this.deps.speed.budgetMs(),
      temperature: s.temperature,
      topK: s.topK,
      topP: s.topP,
      samplers: s.samplers,
      keepAlive: s.keepAlive,
      signal,
      onText: hooks?.onText,
      stopWhen: hooks?.shouldStop,
    };
  }

  /** Sends a completion or prefetch for `p`. `triggeredAt`: when the trigger came (for the debounce figure). */
  send(id: number, kind: Exclude<RequestKind, 'warmup'>, p: Prepared, triggeredAt: number): Flight {
    const { backend } = this.deps.config;
    const maxLines = this.settings.maxLines;
    let pieces = 0;
    const flight = new Flight(
      id,
      kind,
      p,
      (signal, hooks) =>
        this.withRetry(backend, signal, () =>
          this.request(p, signal, {
            onText: (text) => {
              pieces++;
              hooks.onText(text);
            },
            shouldStop: hooks.shouldStop,
          }),
        ),
      {
        holdUntilFirstToken: this.deps.config.holdUntilFirstToken ?? false,
        holdLimitMs: HOLD_LIMIT_MS,
        enough: (text) => moreThanLines(text, maxLines),
      },
    );
    void flight.closed.then(() => this.finish(flight, pieces, triggeredAt));
    return flight;
  }

  /** A warm-up: the prompt evaluated (and cached by the server) with nothing generated. */
  warmup(id: number, p: Prepared): Flight | undefined {
    const { backend } = this.deps.config;
    if (!backend.warmup) return undefined;
    const warmup = backend.warmup.bind(backend);
    const flight = new Flight(
      id,
      'warmup',
      p,
      async (signal): Promise<FimResult> => ({ text: '', timings: await warmup(this.request(p, signal)), fromCache: false, stop: 'limit' }),
      { holdUntilFirstToken: false, holdLimitMs: HOLD_LIMIT_MS },
    );
    void flight.closed.then(() => this.finish(flight, 0, flight.sentAt));
    return flight;
  }

  /**
   * One request; once more when the connection was closed before any answer
   * (a keep-alive connection the server had just closed): a blip, not
   * something to show the user.
   */
  private async withRetry(backend: FimBackend, signal: AbortSignal, build: () => FimRequest): Promise<FimResult> {
    try {
      return await backend.complete(build());
    } catch (err) {
      if (signal.aborted || !isHearthError(err, 'unreachable')) throw err;
      this.deps.log.debug(`completion request retried after: ${err.toLogString()}`);
      return backend.complete(build());
    }
  }

  private finish(flight: Flight, pieces: number, triggeredAt: number): void {
    const { speed, config } = this.deps;
    const p = flight.position;
    const base = {
      id: flight.id,
      kind: flight.kind,
      model: config.model,
      backend: config.backend.kind,
      fromCache: false,
      debounceMs: flight.sentAt - triggeredAt,
      requestMs: (flight.closedAt ?? Date.now()) - flight.sentAt,
      waitedMs: flight.waitedMs,
    };
    const t = flight.result?.timings ?? {};
    const generated = t.generatedTokens ?? (pieces || estimateTokens(flight.text, speed.charsPerToken));
    const shownTokens = flight.shownChars ? Math.ceil(generated * Math.min(1, flight.shownChars / Math.max(1, flight.text.length))) : 0;
    const timing = {
      promptMs: t.promptMs,
      genMs: t.genMs,
      promptTokens: t.promptTokens,
      cachedTokens: t.cachedTokens,
      generatedTokens: flight.kind === 'warmup' ? t.generatedTokens : generated,
    };
    if (flight.state === 'failed' && flight.error) {
      if (isHearthError(flight.error, 'contextExceeded')) speed.shrink();
      this.deps.log.warn(`completion request failed: ${flight.error.toLogString()}`);
      this.deps.emit({ ...base, outcome: 'error', aborted: false, error: flight.error, discardedTokens: generated });
      return;
    }
    if (flight.result) speed.record(t, p.chars);
    if (flight.firstTokenAt !== undefined && flight.closedAt !== undefined && pieces >= 4 && t.genMs === undefined) {
      speed.recordGeneration(flight.closedAt - flight.firstTokenAt, pieces);
    }
    if (flight.state === 'cancelled') {
      this.deps.emit({
        ...base,
        ...timing,
        outcome: 'aborted',
        aborted: true,
        cancelReason: flight.cancelReason,
        discardedTokens: generated - shownTokens,
      });
      return;
    }
    const began = performance.now();
    const post = postprocess(flight.text, { ...p.excerpt, indent: p.doc.indent }, { maxLines: this.settings.maxLines });
    if (flight.kind !== 'warmup') this.deps.store(p, post.text);
    let outcome: RequestOutcome = 'stored';
    if (flight.kind === 'completion') outcome = flight.shownChars ? 'shown' : post.text ? 'unseen' : 'empty';
    this.deps.emit({
      ...base,
      ...timing,
      outcome,
      aborted: false,
      discardedTokens: flight.kind === 'warmup' ? 0 : Math.max(0, generated - shownTokens),
      dropped: post.dropped,
      lines: post.text ? post.text.split('\n').length : 0,
      overheadMs: p.overheadMs + (performance.now() - began),
      stop: flight.result?.stop,
    });
  }
}
