// What the model pickers, the servers view and the status bar show, computed
// from registry statuses without VS Code so it can be tested in plain Node.
import type { ModelInfo, ModelRef, ServerStatus } from './types';
import { kindLabel } from '../types';

export type Purpose = 'chat' | 'completion';

export type PickEntry =
  | { type: 'server'; label: string; server: string }
  | { type: 'model'; label: string; description: string; detail?: string; ref: ModelRef; picked: boolean }
  | { type: 'problem'; label: string; detail: string; server: string };

/** Formats a context length the way the UI shows it: `32,768 tokens`. */
export function formatContext(tokens: number | undefined): string | undefined {
  return tokens ? `${tokens.toLocaleString('en-US')} tokens` : undefined;
}

/** The short description of a model: context length, FIM, loaded state. */
export function describeModel(model: ModelInfo): string {
  const parts: string[] = [];
  const ctx = formatContext(model.contextLength);
  if (ctx) parts.push(ctx);
  if (model.fim) parts.push('FIM');
  if (model.loaded === false) parts.push('not loaded');
  return parts.join(' · ');
}

export function sameRef(a: ModelRef | undefined, b: ModelRef | undefined): boolean {
  return !!a && !!b && a.server === b.server && a.model === b.model;
}

/**
 * Entries for a model quick pick, grouped by server (one separator each).
 * Servers that could not be reached are listed with their error rather than
 * silently left out. For completion, models that can fill in the middle come
 * first within each server.
 */
export function pickEntries(statuses: readonly ServerStatus[], purpose: Purpose, selected?: ModelRef): PickEntry[] {
  const entries: PickEntry[] = [];
  for (const status of statuses) {
    const { server } = status;
    entries.push({ type: 'server', label: `${server.name} — ${kindLabel(server.kind)}`, server: server.name });
    if (status.state === 'error' || status.state === 'loading') {
      entries.push({
        type: 'problem',
        label: status.state === 'loading' ? '$(loading~spin) Loading model…' : '$(error) Not available',
        detail: status.error?.message ?? `${server.name} did not answer.`,
        server: server.name,
      });
      continue;
    }
    if (status.state !== 'ok') {
      entries.push({ type: 'problem', label: '$(sync~spin) Checking…', detail: server.url, server: server.name });
      continue;
    }
    if (status.models.length === 0) {
      entries.push({ type: 'problem', label: '$(info) No models', detail: `${server.url} lists no models.`, server: server.name });
      continue;
    }
    const models = [...status.models];
    if (purpose === 'completion') models.sort((a, b) => Number(b.fim) - Number(a.fim));
    for (const model of models) {
      const ref = { server: server.name, model: model.id };
      const picked = sameRef(ref, selected);
      entries.push({
        type: 'model',
        label: `${picked ? '$(check) ' : ''}${model.id}`,
        description: describeModel(model),
        detail: purpose === 'completion' && !model.fim ? 'No fill-in-the-middle support detected' : undefined,
        ref,
        picked,
      });
    }
  }
  return entries;
}

/** Overall health for the status bar: the worst state among servers, or 'none'. */
export function overallState(statuses: readonly ServerStatus[]): 'none' | 'checking' | 'ok' | 'error' {
  if (statuses.length === 0) return 'none';
  if (statuses.some((s) => s.state === 'checking' || s.state === 'unknown')) return 'checking';
  if (statuses.some((s) => s.state === 'ok')) return statuses.every((s) => s.state === 'ok') ? 'ok' : 'error';
  return 'error';
}
