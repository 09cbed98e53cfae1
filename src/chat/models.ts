// Which model the chat talks to: the options for the webview's model picker,
// the chosen one (or a first available one when none was chosen yet), and
// the context length to budget against.
import type { ModelInfo, ModelRef, ServerStatus } from '../core/servers/types';
import type { ModelOption } from '../core/chat/protocol';
import { kindLabel } from '../core/types';
import { formatContext } from '../core/servers/modelList';

/** Models of every reachable server, for the model picker. */
export function modelOptions(statuses: readonly ServerStatus[]): ModelOption[] {
  const options: ModelOption[] = [];
  for (const status of statuses) {
    if (status.state !== 'ok') continue;
    for (const model of status.models) {
      const ctx = formatContext(contextLength(status, model));
      options.push({
        server: status.server.name,
        model: model.id,
        label: shortName(model.id),
        detail: [status.server.name, kindLabel(status.server.kind), ctx].filter(Boolean).join(' · '),
      });
    }
  }
  return options;
}

/** The last path segment of a GGUF path, else the id itself. */
function shortName(id: string): string {
  const base = id.split(/[\\/]/).pop() || id;
  return base.length > 60 ? `${base.slice(0, 59)}…` : base;
}

/** Used when the server does not tell its context length. */
export const FALLBACK_CONTEXT = 4096;

/**
 * The context window a request really gets: llama.cpp's per-slot n_ctx (what
 * the registry reports as the model's context length), Ollama's num_ctx (it
 * truncates silently beyond it; asking for more would reload the model), or
 * what the server says the model supports.
 */
export function contextLength(status: ServerStatus | undefined, model: ModelInfo | undefined): number {
  if (status?.server.kind === 'llamacpp') return status.props?.nCtx ?? model?.contextLength ?? FALLBACK_CONTEXT;
  if (status?.server.kind === 'ollama') {
    const max = model?.contextLength ?? Number.MAX_SAFE_INTEGER;
    return Math.min(model?.numCtx ?? FALLBACK_CONTEXT, max);
  }
  return model?.contextLength ?? FALLBACK_CONTEXT;
}

/**
 * The model to use: the user's choice (even if its server is down: the error
 * then says so and offers Select Model), else the first model of the first
 * reachable server, so that a fresh install just works.
 */
export function resolveModel(statuses: readonly ServerStatus[], selected: ModelRef | undefined): ModelRef | undefined {
  if (selected) return selected;
  for (const status of statuses) {
    if (status.state !== 'ok' || status.models.length === 0) continue;
    const model = status.models.find((m) => m.loaded !== false) ?? status.models[0];
    return { server: status.server.name, model: model.id };
  }
  return undefined;
}
