// Settings and the public shapes of the completion engine (engine.ts).
import type { HearthError } from '../errors';
import type { Logger } from '../types';
import type { FimBackend } from './backend';
import type { RightOfCursor } from './excerpt';
import type { ExtraRing } from './ring';
import type { SchedulerOptions } from './scheduler';
import type { CompletionStats } from './stats';
import type { FimTemplate } from './templates';

export interface CompletionSettings {
  nPredict: number;
  maxLines: number;
  prefixLines: number;
  suffixLines: number;
  prefixStep: number;
  /** llama.cpp `-b` of the server (sets /infill's caps). */
  nBatch: number;
  rightOfCursor: RightOfCursor;
  /** Send `input_extra` / repository context from the ring. */
  extraContext: boolean;
  prefetch: boolean;
  /** Idle time before a warm-up request after the ring changed (ms). */
  warmupIdleMs: number;
  /**
   * Time the server may spend re-evaluating the suffix on each request (ms):
   * with the measured prompt speed this caps the suffix (at least
   * `minSuffixTokens`). In /infill's layout the suffix follows the text being
   * typed, so the server evaluates it again on every request.
   */
  suffixMs: number;
  minSuffixTokens: number;
  /** A streaming answer without a complete line yet is shown (up to its last word) this long after its first token. */
  partialAfterMs: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  samplers?: readonly string[];
  keepAlive?: string | number;
}

export const DEFAULT_SETTINGS: CompletionSettings = {
  nPredict: 128,
  maxLines: 16,
  prefixLines: 256,
  suffixLines: 64,
  prefixStep: 16,
  nBatch: 2048,
  rightOfCursor: 'closers',
  extraContext: true,
  prefetch: true,
  warmupIdleMs: 1500,
  suffixMs: 50,
  minSuffixTokens: 32,
  partialAfterMs: 50,
};

export interface EngineConfig {
  backend: FimBackend;
  model: string;
  /** Required by template-based backends; see resolveTemplate. */
  template?: FimTemplate;
  /** Context length of one server slot, when known (llama.cpp /props n_ctx). */
  nCtx?: number;
  repoName?: string;
  /**
   * The server keeps evaluating a prompt after its connection closed (llama.cpp):
   * a cancelled request is held open until its first token (see flight.ts).
   */
  holdUntilFirstToken?: boolean;
  settings?: Partial<CompletionSettings>;
}

export interface EngineOptions extends EngineConfig {
  ring?: ExtraRing;
  scheduler?: Partial<SchedulerOptions>;
  onStats?: (stats: CompletionStats) => void;
  log?: Logger;
}

export interface Suggestion {
  text: string;
  source: 'server' | 'cache' | 'typed';
}

export interface CompletionOutcome {
  suggestion?: Suggestion;
  /** Why there is no suggestion (for the log / status bar). */
  reason?: string;
  error?: HearthError;
}
