// What the model pickers, the servers view and the status bar show, computed
// from registry statuses without VS Code so it can be tested in plain Node.
import type { ModelInfo, ModelRef, ServerStatus } from './types';
import { kindLabel } from '../types';
import { contextInfo, contextSourceLabel, describeContextSource } from './context';

/** What a model is chosen for: the chat, inline completion, or the editor commands (tasks; the chat model unless one is chosen). */
export type Purpose = 'chat' | 'completion' | 'task';

export type PickEntry =
  | { type: 'server'; label: string; server: string }
  | { type: 'model'; label: string; description: string; detail?: string; ref: ModelRef; picked: boolean }
  | { type: 'problem'; label: string; detail: string; server: string }
  /** Tasks: no model of their own, the chat model is used. */
  | { type: 'followChat'; label: string; detail: string; picked: boolean };

/** Formats a context length the way the UI shows it: `32,768 tokens`. */
export function formatContext(tokens: number | undefined): string | undefined {
  return tokens ? `${tokens.toLocaleString('en-US')} tokens` : undefined;
}

/**
 * The short description of a model: the context Hearth budgets against and
 * where that number came from, FIM, loaded state.
 */
export function describeModel(model: ModelInfo, status?: ServerStatus): string {
  const parts: string[] = [];
  const ctx = contextInfo(status, model);
  parts.push(`${formatContext(ctx.tokens)} (${contextSourceLabel(ctx.source)})`);
  if (model.fim) parts.push('FIM');
  if (model.loaded === false) parts.push('not loaded');
  return parts.join(' · ');
}

/** A line for the picker: where the context number came from, in words. */
export function describeContext(model: ModelInfo, status?: ServerStatus): string {
  const ctx = contextInfo(status, model);
  return `Context ${formatContext(ctx.tokens)}: ${describeContextSource(ctx.source)}`;
}

/** The server said the model has no fill-in-the-middle tokens: not a completion model. */
export function knownNotFim(model: ModelInfo): boolean {
  return !model.fim && !!model.fimChecked;
}

/**
 * The model completion uses when none was chosen: the only model, among the
 * servers that answered (or are being checked again), that can fill in the
 * middle. Undefined when there is none or more than one (a choice to make);
 * `count` says how many there are.
 */
export function onlyFimModel(statuses: readonly ServerStatus[]): { ref?: ModelRef; count: number } {
  const fim = statuses
    // A server being checked again keeps its models meanwhile: a focus refresh must not drop the engine.
    .filter((s) => s.state === 'ok' || s.state === 'checking')
    .flatMap((s) => s.models.filter((m) => m.fim && m.loaded !== false).map((m) => ({ server: s.server.name, model: m.id })));
  return { ref: fim.length === 1 ? fim[0] : undefined, count: fim.length };
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
  if (purpose === 'task') {
    entries.push({
      type: 'followChat',
      label: `${selected ? '' : '$(check) '}Same as the chat model`,
      detail: 'Generate Commit Message, Document, Fix and Write Tests use the chat model.',
      picked: !selected,
    });
  }
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
    let models = [...status.models];
    if (purpose === 'completion') {
      // Models the server says cannot fill in the middle are not offered.
      const hidden = models.filter(knownNotFim);
      models = models.filter((m) => !knownNotFim(m)).sort((a, b) => Number(b.fim) - Number(a.fim));
      if (hidden.length) {
        entries.push({
          type: 'problem',
          label: `$(info) ${hidden.length === 1 ? `"${hidden[0].id}" has` : `${hidden.length} models have`} no fill-in-the-middle tokens`,
          detail: 'Not offered for completion: load a code base model (e.g. Qwen2.5-Coder base) for inline completion.',
          server: server.name,
        });
      }
    }
    for (const model of models) {
      const ref = { server: server.name, model: model.id };
      const picked = sameRef(ref, selected);
      const noFim = purpose === 'completion' && !model.fim ? 'No fill-in-the-middle support detected. ' : '';
      entries.push({
        type: 'model',
        label: `${picked ? '$(check) ' : ''}${model.id}`,
        description: describeModel(model, status),
        detail: `${noFim}${describeContext(model, status)}`,
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
