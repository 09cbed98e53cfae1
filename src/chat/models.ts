// Which model the chat talks to: the options for the webview's model picker,
// the chosen one (or a first available one when none was chosen yet). The
// context length to budget against comes from the rule chat and completion
// share (core/servers/context.ts).
import type { ModelRef, ServerStatus } from '../core/servers/types';
import type { ModelOption } from '../core/chat/protocol';
import { kindLabel } from '../core/types';
import { formatContext } from '../core/servers/modelList';
import { contextInfo, contextSourceLabel } from '../core/servers/context';

/** Models of every reachable server, for the model picker. */
export function modelOptions(statuses: readonly ServerStatus[]): ModelOption[] {
  const options: ModelOption[] = [];
  for (const status of statuses) {
    if (status.state !== 'ok') continue;
    for (const model of status.models) {
      const ctx = contextInfo(status, model);
      options.push({
        server: status.server.name,
        model: model.id,
        label: shortName(model.id),
        detail: [
          status.server.name,
          kindLabel(status.server.kind),
          `${formatContext(ctx.tokens)} (${contextSourceLabel(ctx.source)})`,
        ].join(' · '),
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
