// The models Hearth offers to VS Code's own chat (and to every extension
// that uses `vscode.lm`): one entry per chat-capable model of every server
// that answers, computed from the registry's statuses. Pure TypeScript: the
// adapter (src/lm/) hands these to VS Code as they are.
import { contextInfo, contextSourceLabel } from '../servers/context';
import { formatContext } from '../servers/modelList';
import type { ModelInfo, ModelRef, ServerStatus } from '../servers/types';
import { kindLabel } from '../types';

/** VS Code's `LanguageModelChatInformation`, as plain data. */
export interface LmModel {
  /** `<server, URI-encoded>/<model id>`: unique within Hearth, and tells which server to ask. */
  id: string;
  name: string;
  family: string;
  version: string;
  detail: string;
  tooltip: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  capabilities: { toolCalling: boolean; imageInput: boolean };
}

export interface LmModelOptions {
  /** The chat's longest reply (`hearth.chat.maxTokens`); unset: a quarter of the context. */
  maxTokens?: number;
  /** Whether tool calls can be streamed back (the provider says so only when it can). */
  toolCalls: boolean;
}

/** The id VS Code keeps for a model of a server. */
export function lmModelId(ref: ModelRef): string {
  return `${encodeURIComponent(ref.server)}/${ref.model}`;
}

/** The server and model of an id made by `lmModelId`; undefined for any other string. */
export function parseLmModelId(id: string): ModelRef | undefined {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1) return undefined;
  try {
    return { server: decodeURIComponent(id.slice(0, slash)), model: id.slice(slash + 1) };
  } catch {
    return undefined;
  }
}

/**
 * The context split into what may be sent and what is kept for the reply:
 * the reply gets the chat's max tokens (a quarter of the context when unset),
 * never more than half, so that a prompt always has room.
 */
export function splitContext(tokens: number, maxTokens?: number): { input: number; output: number } {
  const half = Math.max(1, Math.floor(tokens / 2));
  const output = Math.max(1, Math.min(maxTokens ?? Math.floor(tokens / 4), half));
  return { input: Math.max(1, tokens - output), output };
}

/** Models no chat can use: embedding models the server lists with the others. */
function chatCapable(model: ModelInfo): boolean {
  return !/(^|[^a-z])embed/i.test(model.id);
}

/** The last path segment of a GGUF path without `.gguf`, else the id itself. */
export function shortModelName(id: string): string {
  const base = (id.split(/[\\/]/).pop() || id).replace(/\.gguf$/i, '');
  return base.length > 60 ? `${base.slice(0, 59)}…` : base;
}

/** One entry per chat-capable model of every server that answers (or is being checked again: its models stay meanwhile). */
export function lmModels(statuses: readonly ServerStatus[], options: LmModelOptions): LmModel[] {
  const models: LmModel[] = [];
  for (const status of statuses) {
    if (status.state !== 'ok' && status.state !== 'checking') continue;
    const { server } = status;
    for (const model of status.models) {
      if (!chatCapable(model)) continue;
      const ctx = contextInfo(status, model);
      const split = splitContext(ctx.tokens, options.maxTokens);
      const short = shortModelName(model.id);
      const notLoaded = model.loaded === false ? ' · not loaded' : '';
      models.push({
        id: lmModelId({ server: server.name, model: model.id }),
        name: `${short} (${server.name})`,
        family: short,
        version: kindLabel(server.kind),
        detail: `${server.name} · ${formatContext(ctx.tokens)} (${contextSourceLabel(ctx.source)})${notLoaded}`,
        tooltip: `${model.id} on ${server.name} (${kindLabel(server.kind)}, ${server.url}): ${formatContext(ctx.tokens)}, ${split.output.toLocaleString('en-US')} of them kept for the reply.`,
        maxInputTokens: split.input,
        maxOutputTokens: split.output,
        capabilities: { toolCalling: options.toolCalls && model.tools === true, imageInput: model.vision === true },
      });
    }
  }
  return models;
}

/** A key that changes when the offered models do (VS Code is told only then). */
export function lmModelsKey(models: readonly LmModel[]): string {
  return JSON.stringify(models);
}
