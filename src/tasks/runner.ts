// Runs one editor command's request: picks the task model (its own choice,
// else the chat model, else the first model found), sizes the prompt to the
// model's context, shows a progress notification whose Cancel aborts the
// request, and turns a failure into a notification with Retry and Select
// Model. One task at a time.
import * as vscode from 'vscode';
import type { PromptMessage } from '../core/chat/types';
import { classify, HearthError } from '../core/errors';
import { contextInfo } from '../core/servers/context';
import { describeProbedPorts } from '../core/servers/kinds';
import type { Registry } from '../core/servers/registry';
import type { ModelRef } from '../core/servers/types';
import type { JsonSchema } from '../core/tasks/reply';
import { completeStructured, type StructuredResult } from '../core/tasks/structured';
import type { Logger } from '../core/types';
import type { Lookout } from '../chat/responder';
import { resolveModel } from '../chat/models';
import type { ModelChoice } from '../servers/modelChoice';
import type { TaskSettings } from './settings';
import type { TasksUi } from './ui';

/** Tokens kept for the retry's additions (the rejected answer quoted back, and what was wrong with it). */
const RETRY_RESERVE = 800;

export interface TaskSpec {
  /** For the progress notification: "Writing a commit message". */
  title: string;
  /** The schema's identifier, e.g. `commit_message`. */
  name: string;
  schema: JsonSchema;
  /** Tokens for the answer (fewer on a small context). */
  maxTokens: number;
  /**
   * The prompt for `promptTokens` tokens of room (the answer and a retry
   * already kept apart). May throw a HearthError when the input cannot fit.
   */
  prompt(promptTokens: number, model: string): PromptMessage[];
}

export interface RunnerDeps {
  registry: Registry;
  choice: ModelChoice;
  log: Logger;
  settings(): TaskSettings;
  ui: TasksUi;
  /** Looks for servers again when the model's server is missing or down. */
  lookout?: Lookout;
  /** First wait before retrying a 429/503 (tests shorten it). */
  retryBaseMs?: number;
}

export class TaskRunner {
  private current?: { title: string; abort: AbortController };

  constructor(private readonly deps: RunnerDeps) {}

  get busy(): boolean {
    return !!this.current;
  }

  /** Cancels the running task, as its notification's Cancel button does. */
  cancel(): void {
    this.current?.abort.abort();
  }

  /** The model the editor commands use: the task model, else the chat model, else the first model found. */
  async model(): Promise<ModelRef | undefined> {
    const { registry, choice } = this.deps;
    const chosen = () => resolveModel(registry.statuses(), choice.get('task') ?? choice.get('chat'));
    let ref = chosen();
    const state = ref ? registry.status(ref.server)?.state : undefined;
    if (!ref || (state !== 'ok' && state !== 'checking')) {
      await (this.deps.lookout?.retry() ?? registry.refresh()).catch(() => undefined);
      ref = chosen();
    }
    return ref;
  }

  /**
   * Runs `spec` under a cancellable progress notification. Resolves with the
   * checked answer, or undefined when it was cancelled or failed (the error
   * was shown; its Retry runs `again`).
   */
  async run<T>(spec: TaskSpec, again: () => unknown): Promise<StructuredResult<T> | undefined> {
    if (this.current) {
      this.deps.ui.info(`Hearth is still working on "${this.current.title}": wait for it, or cancel it in its notification.`);
      return undefined;
    }
    const abort = new AbortController();
    this.current = { title: spec.title, abort };
    let ref: ModelRef | undefined;
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Hearth: ${spec.title}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          ref = await this.model();
          if (abort.signal.aborted) return undefined;
          if (!ref) {
            throw new HearthError(
              'notFound',
              `No model for Hearth's editor commands: no model server answered (Hearth looked for ${describeProbedPorts()}). Start one and press Retry, or add your server.`,
              { actions: ['retry', 'openSettings', 'showLog'] },
            );
          }
          progress.report({ message: ref.model });
          return await this.ask<T>(spec, ref, abort.signal, (message) => progress.report({ message }));
        },
      );
    } catch (err) {
      const error = classify(err);
      if (error.code === 'aborted' || abort.signal.aborted) {
        this.deps.log.info(`task ${spec.name}: cancelled`);
        return undefined;
      }
      this.deps.log.warn(`task ${spec.name} failed: ${error.toLogString()}`);
      this.deps.lookout?.failed(error);
      void this.deps.ui.showError(error, {
        serverName: error.serverName ?? ref?.server,
        retry: again,
        selectModel: () => vscode.commands.executeCommand('hearth.selectTaskModel'),
      });
      return undefined;
    } finally {
      this.current = undefined;
    }
  }

  /** The request itself; once more with the server's own context length if it said the prompt does not fit. */
  private async ask<T>(spec: TaskSpec, ref: ModelRef, signal: AbortSignal, say: (message: string) => void): Promise<StructuredResult<T>> {
    const { registry, log } = this.deps;
    const client = await registry.client(ref.server);
    const context = contextInfo(registry.status(ref.server), registry.findModel(ref));
    let contextTokens = context.tokens;
    for (let attempt = 1; ; attempt++) {
      const maxTokens = Math.max(64, Math.min(spec.maxTokens, Math.floor(contextTokens / 2)));
      const room = contextTokens - maxTokens - Math.min(RETRY_RESERVE, maxTokens + 100);
      const messages = spec.prompt(room, ref.model);
      try {
        return await completeStructured<T>({
          client,
          model: ref.model,
          messages,
          schema: spec.schema,
          name: spec.name,
          temperature: this.deps.settings().temperature,
          maxTokens,
          numCtx: context.numCtx,
          signal,
          log,
          retryBaseMs: this.deps.retryBaseMs,
          onRetry: () => say(`${ref.model}: the first answer was not usable; asking once more…`),
          onLoading: () => say(`${ref.model}: waiting for the model to load…`),
        });
      } catch (err) {
        const e = classify(err);
        const smaller = e.code === 'contextExceeded' && e.nCtx !== undefined && e.nCtx < contextTokens;
        if (attempt > 1 || !smaller || signal.aborted) throw e;
        log.info(`task ${spec.name}: the server's context is ${e.nCtx} tokens, not ${contextTokens}; sending a smaller prompt once`);
        contextTokens = e.nCtx!;
      }
    }
  }
}
