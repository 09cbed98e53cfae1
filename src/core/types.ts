// Shared vocabulary of the core: servers, models, statuses and the logger
// interface. Pure TypeScript, no `vscode` import.

export type ServerKind = 'llamacpp' | 'ollama' | 'lmstudio' | 'vllm' | 'openai';

/** One entry of `hearth.servers` after validation (or an auto-detected preset). */
export interface ServerConfig {
  /** Unique, human-readable name; also the key under which its API key is stored. */
  name: string;
  kind: ServerKind;
  /** Base URL without a trailing slash and without `/v1`, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Extra request headers sent only to this server. */
  headers?: Record<string, string>;
  /** Request timeout for ordinary calls; defaults to 30 s (probes use a short one). */
  timeoutSeconds?: number;
  /** Ask for `stream_options.include_usage` in streamed chat (default true; some proxies reject it). */
  streamUsage?: boolean;
  /** True when found by auto-detection rather than configured. */
  detected?: boolean;
}

export interface ModelInfo {
  /** The id exactly as the server reports it. */
  id: string;
  /** Name of the server it lives on. */
  server: string;
  /** Context length in tokens, when the server tells. */
  contextLength?: number;
  /** Whether the model can fill in the middle (llama.cpp /infill, Ollama `insert`, or a known FIM family). */
  fim: boolean;
  /** LM Studio (and llama.cpp in router mode): whether the model is loaded right now. */
  loaded?: boolean;
  /**
   * Ollama: `num_ctx` from the model's Modelfile parameters, i.e. the context
   * Ollama really uses unless a request sets `options.num_ctx` (which reloads
   * the model when it differs). `contextLength` is what the model supports.
   */
  numCtx?: number;
}

/** A model chosen by the user, persisted across reloads. */
export interface ModelRef {
  server: string;
  model: string;
}

export type ServerState = 'unknown' | 'checking' | 'ok' | 'loading' | 'error';

export interface ServerStatus {
  server: ServerConfig;
  state: ServerState;
  models: ModelInfo[];
  /** Set when state is 'error' or 'loading'. */
  error?: import('./errors').HearthError;
  /** llama.cpp `/props`: context size per slot and number of slots. */
  props?: { nCtx?: number; slots?: number };
  /** Date.now() of the last finished discovery. */
  checkedAt?: number;
}

/** What the core needs of a log; the VS Code adapter implements it over a LogOutputChannel. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error, ...rest: unknown[]): void;
}

export const nullLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};
