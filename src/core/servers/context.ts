// How long a model's context is, by one rule that chat and completion share,
// and where that number came from (the model pickers show it). For Ollama it
// also gives the `num_ctx` both features send: the same value from both, so
// Ollama never reloads the model between a chat reply and a completion.
import type { ModelInfo, ServerStatus } from './types';
import type { ContextLengthSetting } from '../types';

/** Used when nothing says how long the context is (Ollama's own default for most machines). */
export const ASSUMED_CONTEXT = 4096;

export type ContextSource =
  /** `contextLength` in the server's entry of `hearth.servers`. */
  | 'setting'
  /** llama.cpp: one slot's `n_ctx` from /props. */
  | 'slot'
  /** Ollama: the context the loaded model runs with (/api/ps). */
  | 'loaded'
  /** Ollama: `num_ctx` in the model's Modelfile. */
  | 'modelfile'
  /** What the server reports the model supports (vLLM max_model_len, LM Studio, …). */
  | 'server'
  /** Nothing said: ASSUMED_CONTEXT (or less when the model is shorter). */
  | 'assumed';

export interface ContextInfo {
  tokens: number;
  source: ContextSource;
  /** Ollama: the `num_ctx` chat and completion send (none when assumed: Ollama's own default then applies to both). */
  numCtx?: number;
}

const SOURCE_WORDS: Record<ContextSource, string> = {
  setting: 'set in hearth.servers (contextLength)',
  slot: "llama.cpp's context per slot",
  loaded: 'as loaded in Ollama',
  modelfile: "the Modelfile's num_ctx",
  server: 'reported by the server',
  assumed: 'assumed: the server does not say; set contextLength in hearth.servers',
};

const SOURCE_SHORT: Record<ContextSource, string> = {
  setting: 'setting',
  slot: 'per slot',
  loaded: 'loaded',
  modelfile: 'Modelfile',
  server: 'server',
  assumed: 'assumed',
};

/** "set in hearth.servers (contextLength)", "assumed: …": for tooltips and picker details. */
export function describeContextSource(source: ContextSource): string {
  return SOURCE_WORDS[source];
}

/** One word for the picker's description: "setting", "per slot", "loaded", "assumed" … */
export function contextSourceLabel(source: ContextSource): string {
  return SOURCE_SHORT[source];
}

/** The `contextLength` setting for one model: its own entry, else `"*"`, else the plain number. */
export function settingFor(setting: ContextLengthSetting | undefined, model: string): number | undefined {
  if (setting === undefined) return undefined;
  if (typeof setting === 'number') return setting;
  return setting[model] ?? setting['*'];
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * The context a request to `model` gets. In order: the user's setting; for
 * llama.cpp the per-slot n_ctx; for Ollama the loaded context, else the
 * Modelfile's num_ctx, else Ollama's default (assumed); for the others what
 * the server reports; else ASSUMED_CONTEXT.
 */
export function contextInfo(status: ServerStatus | undefined, model: ModelInfo | undefined): ContextInfo {
  const kind = status?.server.kind;
  const withNumCtx = (info: ContextInfo): ContextInfo =>
    kind === 'ollama' && info.source !== 'assumed' ? { ...info, numCtx: info.tokens } : info;
  const set = model
    ? settingFor(status?.server.contextLength, model.id)
    : typeof status?.server.contextLength === 'number'
      ? status.server.contextLength
      : undefined;
  if (set) return withNumCtx({ tokens: set, source: 'setting' });
  const max = positive(model?.contextLength);
  if (kind === 'llamacpp') {
    const slot = positive(status?.props?.nCtx) ?? max;
    if (slot) return { tokens: slot, source: 'slot' };
  } else if (kind === 'ollama') {
    const loaded = positive(model?.loadedContext);
    if (loaded) return withNumCtx({ tokens: loaded, source: 'loaded' });
    const modelfile = positive(model?.numCtx);
    if (modelfile) return withNumCtx({ tokens: max ? Math.min(modelfile, max) : modelfile, source: 'modelfile' });
    return { tokens: Math.min(ASSUMED_CONTEXT, max ?? ASSUMED_CONTEXT), source: 'assumed' };
  } else if (max) {
    return { tokens: max, source: 'server' };
  }
  return { tokens: ASSUMED_CONTEXT, source: 'assumed' };
}
