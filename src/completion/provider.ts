// The InlineCompletionItemProvider: turns VS Code's request into a document
// snapshot for the CompletionEngine and its suggestion into ghost text.
// VS Code's cancellation token aborts the engine's request; an automatic
// trigger respects Toggle, Snooze, the per-language setting and
// `hearth.completion.rightOfCursor`; an explicit one (Alt+\, or VS Code's
// next/previous, which re-trigger explicitly) ignores them. A multi-line
// suggestion comes with its first line alone as an alternative, so
// Show Next / Show Previous choose between the block and the line.
import * as vscode from 'vscode';
import { shouldRequest } from '../core/completion/excerpt';
import { isSecretLooking } from '../core/secretFiles';
import type { CompletionOutcome } from '../core/completion/engine';
import { Emitter } from '../core/events';
import type { Logger } from '../core/types';
import type { CompletionGate } from './gate';
import type { CompletionSession } from './session';
import type { CompletionUserSettings } from './settings';
import { snapshotOf } from './snapshot';

export const ACCEPTED_COMMAND = 'hearth.completion.accepted';

/** What one call of the provider did (for the log and Hearth's integration tests). */
export interface ProvideRecord {
  uri: string;
  line: number;
  character: number;
  explicit: boolean;
  /** The ghost texts offered, first one shown. */
  items: string[];
  /** Why nothing was offered. */
  reason?: string;
  source?: 'server' | 'cache' | 'typed';
  ms: number;
}

export interface ProviderDeps {
  session: CompletionSession;
  gate: CompletionGate;
  settings(): CompletionUserSettings;
  /** No engine because no model is selected: offer to select one. */
  onNoModel(): void;
  /** Automatic completion may run here: the user is typing where completion is on. */
  onTyping?(): void;
  log: Logger;
}

const BLOCKED: Record<string, string> = {
  off: 'Completions are turned off (Hearth: Toggle Completions).',
  snoozed: 'Completions are snoozed.',
  language: 'Completions are off for this language (hearth.completion.enable).',
};

export class CompletionProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private readonly provided = new Emitter<ProvideRecord>();
  /** Fires after every call of the provider. */
  readonly onDidProvide = this.provided.event;
  last?: ProvideRecord;

  constructor(private readonly deps: ProviderDeps) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const started = performance.now();
    try {
      return await this.provide(document, position, context, token, started);
    } catch (err) {
      // A bug here must not break the editor's other inline providers: log it, show nothing.
      this.deps.log.error('completion: the inline completion provider failed', err);
      return this.record(document, position, context, started, [], `Internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private record(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    started: number,
    items: vscode.InlineCompletionItem[] | undefined,
    reason?: string,
    source?: ProvideRecord['source'],
  ): vscode.InlineCompletionItem[] | undefined {
    const record: ProvideRecord = {
      uri: document.uri.toString(),
      line: position.line,
      character: position.character,
      explicit: context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke,
      items: (items ?? []).map((i) => (typeof i.insertText === 'string' ? i.insertText : i.insertText.value)),
      reason,
      source,
      ms: performance.now() - started,
    };
    this.last = record;
    this.provided.fire(record);
    return items;
  }

  private async provide(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
    started: number,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    const done = (items: vscode.InlineCompletionItem[] | undefined, reason?: string, source?: ProvideRecord['source']) =>
      this.record(document, position, context, started, items, reason, source);

    const blocked = explicit ? undefined : this.deps.gate.blocked(document.languageId);
    if (blocked) return done([], BLOCKED[blocked]);
    if (!explicit) this.deps.onTyping?.();
    if (!explicit && isSecretLooking(document.uri.path))
      return done([], 'No automatic completion in files that look like secrets (.env, keys, credentials).');
    const engine = this.deps.session.engine;
    if (!engine) {
      const state = this.deps.session.state;
      if (state.kind === 'off' && state.reason === 'noModel') this.deps.onNoModel();
      return done([], state.kind === 'off' ? state.message : 'Not ready.');
    }
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const info = context.selectedCompletionInfo;
    const selected = info && info.range.isSingleLine ? { range: info.range, text: info.text } : undefined;
    const snapshot = snapshotOf(document, position, { editor, selected });
    const check = shouldRequest(snapshot, explicit ? 'any' : this.deps.settings().rightOfCursor);
    if (!check.ok) {
      engine.noteActivity();
      return done([], check.message);
    }

    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    let outcome: CompletionOutcome;
    try {
      outcome = await engine.complete(snapshot, controller.signal, explicit ? { delayMs: 0 } : {});
    } finally {
      subscription.dispose();
    }
    if (token.isCancellationRequested) return done(undefined, 'Cancelled by the editor.');
    const suggestion = outcome.suggestion;
    if (!suggestion) return done([], outcome.reason ?? 'No suggestion.');

    const range = selected ? selected.range : new vscode.Range(position, position);
    const lead = selected ? selected.text : '';
    const command: vscode.Command = { command: ACCEPTED_COMMAND, title: 'Hearth: completion accepted' };
    const texts = [suggestion.text];
    const firstLine = suggestion.text.split('\n')[0];
    if (firstLine.trim() && firstLine !== suggestion.text) texts.push(firstLine);
    const items = texts.map((t) => new vscode.InlineCompletionItem(lead + t, range, command));
    return done(items, undefined, suggestion.source);
  }

  dispose(): void {
    this.provided.dispose();
  }
}
