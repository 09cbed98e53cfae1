// What the server registry knows about models and servers: the models a
// server offers, the user's choice of one, and each server's last status.
import type { HearthError } from '../errors';
import type { ServerConfig } from '../types';

export interface ModelInfo {
  /** The id exactly as the server reports it. */
  id: string;
  /** Name of the server it lives on. */
  server: string;
  /** Context length in tokens, when the server tells. */
  contextLength?: number;
  /** Whether the model can fill in the middle (llama.cpp /infill, Ollama `insert`, or a known FIM family). */
  fim: boolean;
  /**
   * The server itself said whether the model can fill in the middle (a
   * llama.cpp /infill probe, Ollama's capabilities), rather than Hearth
   * guessing from the model's name.
   */
  fimChecked?: boolean;
  /** LM Studio (and llama.cpp in router mode): whether the model is loaded right now. */
  loaded?: boolean;
  /**
   * Ollama: `num_ctx` from the model's Modelfile parameters, i.e. the context
   * Ollama really uses unless a request sets `options.num_ctx` (which reloads
   * the model when it differs). `contextLength` is what the model supports.
   */
  numCtx?: number;
  /** Ollama: the context the model runs with right now, when it is loaded (/api/ps `context_length`). */
  loadedContext?: number;
  /**
   * Whether the model takes native tool calls, when the server says: llama.cpp's
   * chat template (/props `chat_template_caps.supports_tools`), Ollama's
   * capabilities (`tools`), LM Studio's (`tool_use`). Absent: unknown (the chat tries once).
   */
  tools?: boolean;
  /** The server said the model takes images (llama.cpp's modalities, Ollama's capabilities, an LM Studio vlm). */
  vision?: boolean;
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
  error?: HearthError;
  /** llama.cpp `/props`: context size per slot and number of slots. */
  props?: { nCtx?: number; slots?: number };
  /** Date.now() of the last finished discovery. */
  checkedAt?: number;
}
