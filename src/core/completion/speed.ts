// Measured server speed, from the timings of finished requests: generation
// ms per token (for a time budget that adapts instead of cutting slow local
// models to ten tokens), prompt ms per token, and characters per token of
// this model's tokenizer on this code (for the context's token caps).
import type { FimTimings } from './backend';

export interface BudgetOptions {
  /** Tokens the budget should leave room for at the measured speed (default 64). */
  minTokens: number;
  /** Bounds of the budget in ms (defaults 1,000 and 20,000). */
  floorMs: number;
  ceilMs: number;
}

export const DEFAULT_BUDGET_OPTIONS: BudgetOptions = { minTokens: 64, floorMs: 1000, ceilMs: 20_000 };

export class ServerSpeed {
  genMsPerToken?: number;
  promptMsPerToken?: number;
  charsPerToken: number;

  constructor(
    initialCharsPerToken = 2.8,
    private readonly alpha = 0.3,
  ) {
    this.charsPerToken = initialCharsPerToken;
  }

  private avg(old: number | undefined, sample: number): number {
    return old === undefined ? sample : old + this.alpha * (sample - old);
  }

  /** Learns from one finished request; `promptChars` is the text sent as prompt (all parts). */
  record(t: FimTimings, promptChars?: number): void {
    if (t.genMs !== undefined && t.generatedTokens && t.generatedTokens >= 4) {
      this.genMsPerToken = this.avg(this.genMsPerToken, t.genMs / t.generatedTokens);
    }
    if (t.promptMs !== undefined && t.promptTokens && t.promptTokens >= 16) {
      this.promptMsPerToken = this.avg(this.promptMsPerToken, t.promptMs / t.promptTokens);
    }
    if (promptChars && promptChars >= 256 && t.totalPromptTokens && t.totalPromptTokens >= 32) {
      const cpt = Math.min(6, Math.max(0.8, promptChars / t.totalPromptTokens));
      this.charsPerToken = this.avg(this.charsPerToken, cpt);
    }
  }

  /** "prompt 380 tokens/s · generation 88 tokens/s" as measured so far; undefined before the first answer. */
  describe(): string | undefined {
    const rate = (msPerToken: number | undefined) =>
      msPerToken ? `${Math.round(1000 / msPerToken).toLocaleString('en-US')} tokens/s` : undefined;
    const parts = [
      rate(this.promptMsPerToken) && `prompt ${rate(this.promptMsPerToken)}`,
      rate(this.genMsPerToken) && `generation ${rate(this.genMsPerToken)}`,
    ].filter(Boolean);
    return parts.length ? parts.join(' · ') : undefined;
  }

  /** The prompt did not fit the context: the tokenizer yields more tokens than estimated. */
  shrink(factor = 0.75): void {
    this.charsPerToken = Math.max(0.8, this.charsPerToken * factor);
  }

  /** Generation speed seen by the client when the server sent no timings (a stream Hearth closed early). */
  recordGeneration(ms: number, tokens: number): void {
    if (tokens >= 4 && ms > 0) this.genMsPerToken = this.avg(this.genMsPerToken, ms / tokens);
  }

  /**
   * Suffix tokens the server evaluates in `ms` at the measured prompt speed (at
   * least `min`). Before the first measurement, four times `min`: the server
   * may be slow, and it reads the suffix again on every request.
   */
  suffixTokens(ms: number, min = 32): number {
    if (this.promptMsPerToken === undefined || this.promptMsPerToken <= 0) return 4 * min;
    return Math.max(min, Math.floor(ms / this.promptMsPerToken));
  }

  /**
   * Generation time budget (llama.cpp `t_max_predict_ms`, or the client-side
   * equivalent): time for `minTokens` at the measured speed, with 50% slack,
   * within [floorMs, ceilMs]. Undefined (no cut) until the speed is known.
   */
  budgetMs(options: Partial<BudgetOptions> = {}): number | undefined {
    if (this.genMsPerToken === undefined) return undefined;
    const o = { ...DEFAULT_BUDGET_OPTIONS, ...options };
    return Math.round(Math.min(o.ceilMs, Math.max(o.floorMs, o.minTokens * this.genMsPerToken * 1.5)));
  }
}
