// Hearth's models in VS Code's own chat: the language-model chat provider.
// The models are the registry's (updated on its change event, never by
// polling); a reply streams through Hearth's chat client (respond.ts); token
// counts are exact on llama.cpp. Failures reach VS Code as
// LanguageModelErrors carrying Hearth's specific messages.
import * as vscode from 'vscode';
import { classify, HearthError } from '../core/errors';
import { messageText, toOpenAIMessages } from '../core/lm/messages';
import { lmModels, lmModelsKey, parseLmModelId, type LmModel } from '../core/lm/models';
import { countTokens, TokenCountCache, type TokenCountInput } from '../core/lm/tokens';
import { estimateTokens } from '../core/chat/budget';
import type { Registry } from '../core/servers/registry';
import { contextInfo } from '../core/servers/context';
import type { Logger } from '../core/types';
import type { ChatSettings } from '../chat/settings';
import { languageModelError, type LmChatProvider, type LmRequestMessage, type LmResponseOptions, type LmResponsePart } from './api';
import { toLmMessages } from './parts';
import { respond } from './respond';

export interface ProviderDeps {
  registry: Registry;
  log: Logger;
  settings(): ChatSettings;
  /** Whether tool calls can be streamed back (then models the server says take tools offer tool calling). */
  toolCalls: boolean;
  /** A request failed: look for servers again (connection refused …). */
  failed?(error: unknown): void;
  /** First retry wait for 429/503 (tests shorten it). */
  retryBaseMs?: number;
}

/** A HearthError as VS Code's LanguageModelError, with Hearth's message. */
export function toLanguageModelError(error: HearthError): vscode.LanguageModelError {
  const code = error.code === 'notFound' || error.code === 'modelNotFound' ? 'NotFound' : error.code;
  return languageModelError(error.message, code, error);
}

function aborter(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const listener = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => listener.dispose() };
}

/** What provideTokenCount counts: text as it is, or one message as the chat template renders it. */
function tokenInput(text: string | LmRequestMessage): TokenCountInput {
  if (typeof text === 'string') return { text };
  const [message] = toLmMessages([text]).messages;
  const wire = toOpenAIMessages([message]);
  return {
    message: wire.length === 1 ? wire[0] : undefined,
    estimateText: messageText(message),
    text: wire.length === 1 ? undefined : messageText(message),
  };
}

export class HearthLmProvider implements LmChatProvider<LmModel>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private lastKey: string;
  private readonly counts = new TokenCountCache();
  private readonly subscription: { dispose(): void };

  constructor(private readonly deps: ProviderDeps) {
    this.lastKey = lmModelsKey(this.models());
    // Servers come and go: VS Code asks again only when what Hearth offers changed.
    this.subscription = deps.registry.onDidChange(() => this.check());
  }

  /** Tells VS Code to ask again when the models changed (the registry or a setting that shapes them). */
  check(): void {
    const key = lmModelsKey(this.models());
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.changed.fire();
  }

  models(): LmModel[] {
    return lmModels(this.deps.registry.statuses(), { maxTokens: this.deps.settings().params.max_tokens, toolCalls: this.deps.toolCalls });
  }

  async provideLanguageModelChatInformation(): Promise<LmModel[]> {
    // Right after start-up the first discovery may still run: wait for it rather than answer "none".
    if (this.deps.registry.isRefreshing()) await this.deps.registry.refresh().catch(() => undefined);
    const models = this.models();
    this.lastKey = lmModelsKey(models);
    return models;
  }

  async provideLanguageModelChatResponse(
    model: LmModel,
    messages: readonly LmRequestMessage[],
    options: LmResponseOptions,
    progress: vscode.Progress<LmResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const { registry, log } = this.deps;
    const abort = aborter(token);
    try {
      const ref = parseLmModelId(model.id);
      if (!ref) throw new HearthError('notFound', `"${model.id}" is not one of Hearth's models; pick another model.`);
      const client = await registry.client(ref.server);
      const context = contextInfo(registry.status(ref.server), registry.findModel(ref));
      const { messages: plain, dropped } = toLmMessages(messages);
      if (dropped) log.debug(`vscode chat: left out ${dropped} message part(s) Hearth cannot send (reasoning, prompt hints)`);
      log.info(`vscode chat: ${ref.model} on ${ref.server}, ${messages.length} messages, ${options.tools?.length ?? 0} tools`);
      await respond({
        client,
        model: ref.model,
        messages: plain,
        numCtx: context.numCtx,
        maxTokens: model.maxOutputTokens,
        modelOptions: options.modelOptions,
        tools: this.deps.toolCalls ? options.tools : undefined,
        toolsRequired: options.toolMode === vscode.LanguageModelChatToolMode.Required,
        settings: this.deps.settings(),
        signal: abort.signal,
        log,
        retryBaseMs: this.deps.retryBaseMs,
        onText: (text) => progress.report(new vscode.LanguageModelTextPart(text)),
        onToolCall: (call) => progress.report(new vscode.LanguageModelToolCallPart(call.id, call.name, call.args)),
      });
    } catch (err) {
      const error = classify(err);
      if (error.code === 'aborted' && token.isCancellationRequested) return;
      log.warn(`vscode chat: reply failed: ${error.toLogString()}`);
      this.deps.failed?.(error);
      throw toLanguageModelError(error);
    } finally {
      abort.dispose();
    }
  }

  async provideTokenCount(model: LmModel, text: string | LmRequestMessage, token: vscode.CancellationToken): Promise<number> {
    const input = tokenInput(text);
    const ref = parseLmModelId(model.id);
    const client = ref ? await this.deps.registry.client(ref.server).catch(() => undefined) : undefined;
    if (!ref || !client) return estimateTokens(input.estimateText ?? input.text ?? '');
    // The server's own URL in the key: another server (or a restarted one on another port) may tokenize differently.
    const key = this.counts.key(`${client.server.url}\u0000${ref.model}`, input);
    const known = this.counts.get(key);
    if (known !== undefined) return known;
    const abort = aborter(token);
    try {
      const counted = await countTokens(client, ref.model, input, { signal: abort.signal, log: this.deps.log });
      if (counted.exact) this.counts.set(key, counted.tokens);
      return counted.tokens;
    } finally {
      abort.dispose();
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
