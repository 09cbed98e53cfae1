// The base vocabulary every feature shares: the kinds of server, one
// server's connection settings, and the logger interface. Pure TypeScript.

export type ServerKind = 'llamacpp' | 'ollama' | 'lmstudio' | 'vllm' | 'openai';

/** What the user reads for each kind: "llama.cpp", "Ollama", … */
export const KIND_LABELS: Readonly<Record<ServerKind, string>> = {
  llamacpp: 'llama.cpp',
  ollama: 'Ollama',
  lmstudio: 'LM Studio',
  vllm: 'vLLM',
  openai: 'OpenAI-compatible',
};

export function kindLabel(kind: ServerKind): string {
  return KIND_LABELS[kind] ?? KIND_LABELS.openai;
}

/** One entry of `hearth.servers` after validation (or an auto-detected preset). */
export interface ServerConfig {
  /** Unique, human-readable name; also the key under which its API key is stored. */
  name: string;
  kind: ServerKind;
  /** Base URL without a trailing slash and without `/v1`, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Extra request headers sent only to this server. */
  headers?: Record<string, string>;
  /**
   * Time allowed until the first byte of an answer (response headers), for
   * chat, completion and discovery alike; default DEFAULT_TIMEOUT_MS.
   */
  timeoutSeconds?: number;
  /**
   * The context length to budget against, overriding what the server reports:
   * one number for every model, or per model id (`"*"` for the others).
   */
  contextLength?: ContextLengthSetting;
  /** Ask for `stream_options.include_usage` in streamed chat (default true; some proxies reject it). */
  streamUsage?: boolean;
  /** True when found by auto-detection rather than configured. */
  detected?: boolean;
}

/** `contextLength` of a server entry: tokens for all models, or per model id with `"*"` for the rest. */
export type ContextLengthSetting = number | Readonly<Record<string, number>>;

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
