// The completion engine for the selected completion model: which backend
// (llama.cpp /infill, Ollama /api/generate, /v1/completions), which FIM
// template (and a sentence saying which and why), the slot's context size.
// Rebuilt when the selection, the server, its key or a setting that shapes
// requests changes; the extra-context ring outlives the engines.
import type { FimBackend } from '../core/completion/backend';
import { CompletionEngine, type CompletionSettings, type ImprovedAt } from '../core/completion/engine';
import { InfillBackend } from '../core/completion/infill';
import { OllamaBackend } from '../core/completion/ollama';
import { OpenAICompletionsBackend } from '../core/completion/openaiCompletions';
import type { ExtraRing } from '../core/completion/ring';
import type { CompletionStats } from '../core/completion/stats';
import { resolveTemplate, type FimTemplate } from '../core/completion/templates';
import { Emitter } from '../core/events';
import { kindLabel } from '../core/types';
import type { Registry } from '../core/servers/registry';
import type { Logger, ServerConfig } from '../core/types';
import type { ModelInfo, ModelRef, ServerStatus } from '../core/servers/types';
import type { CompletionUserSettings } from './settings';

export type SessionState =
  | { kind: 'ready'; engine: CompletionEngine; ref: ModelRef; server: ServerConfig; backend: string; template: string }
  | { kind: 'off'; reason: 'noModel' | 'noServer' | 'noTemplate' | 'failed'; message: string; ref?: ModelRef };

export interface SessionDeps {
  registry: Registry;
  ring: ExtraRing;
  log: Logger;
  selected(): ModelRef | undefined;
  settings(): CompletionUserSettings;
  workspaceName(): string | undefined;
}

interface Plan {
  key: string;
  server: ServerConfig;
  ref: ModelRef;
  nCtx?: number;
  settings: CompletionUserSettings;
}

/** The context Hearth may fill for this model on this server (one slot's, for llama.cpp). */
export function contextFor(server: ServerConfig, status: ServerStatus | undefined, model: ModelInfo | undefined): number | undefined {
  if (server.kind === 'llamacpp') return status?.props?.nCtx ?? model?.contextLength;
  // Hearth sends no num_ctx (that would make Ollama reload the model), so Ollama's own applies.
  if (server.kind === 'ollama') return model?.numCtx ?? Math.min(model?.contextLength ?? 2048, 2048);
  return model?.contextLength;
}

function engineSettings(s: CompletionUserSettings): Partial<CompletionSettings> {
  return {
    nPredict: s.maxTokens,
    maxLines: s.maxLines,
    prefixLines: s.prefixLines,
    suffixLines: s.suffixLines,
    // The adapter applies hearth.completion.rightOfCursor itself, so that an explicit trigger can ignore it.
    rightOfCursor: 'any',
    extraContext: s.extraContext,
    ...(s.samplers ? { samplers: s.samplers } : {}),
  };
}

/** Counts requests in flight for the spinner (warm-ups are background work and do not spin). */
function tracked(inner: FimBackend, onBusy: (delta: number) => void): FimBackend {
  const backend: FimBackend = {
    kind: inner.kind,
    async complete(req) {
      onBusy(1);
      try {
        return await inner.complete(req);
      } finally {
        onBusy(-1);
      }
    },
  };
  if (inner.warmup) {
    const warmup = inner.warmup.bind(inner);
    return { ...backend, warmup: (req) => warmup(req) };
  }
  return backend;
}

export class CompletionSession {
  private current: SessionState = { kind: 'off', reason: 'noModel', message: 'No completion model selected.' };
  private planKey = '';
  private generation = 0;
  private keysVersion = 0;
  private readonly changed = new Emitter<SessionState>();
  readonly onDidChange = this.changed.event;
  private readonly requested = new Emitter<CompletionStats>();
  /** Each request's (or cache answer's) stats from the engine. */
  readonly onDidRequest = this.requested.event;
  private readonly improved = new Emitter<ImprovedAt>();
  /** A suggestion shown in part has grown (the adapter asks the editor again when the cursor is still there). */
  readonly onDidImprove = this.improved.event;
  private readonly busyChanged = new Emitter<number>();
  /** A request to the server starts (+1) or ends (-1): the status bar spins meanwhile. */
  readonly onDidChangeBusy = this.busyChanged.event;

  constructor(private readonly deps: SessionDeps) {}

  get state(): SessionState {
    return this.current;
  }

  get engine(): CompletionEngine | undefined {
    return this.current.kind === 'ready' ? this.current.engine : undefined;
  }

  /** An API key changed: the next update builds a new client. */
  keysChanged(): void {
    this.keysVersion++;
    void this.update();
  }

  /** Recomputes what the engine should be; rebuilds it only when that changed. Resolves when done. */
  async update(): Promise<void> {
    const ref = this.deps.selected();
    if (!ref)
      return this.set(
        { kind: 'off', reason: 'noModel', message: 'No completion model selected: run "Hearth: Select Completion Model".' },
        '',
      );
    const { registry } = this.deps;
    const server = registry.servers().find((s) => s.name === ref.server);
    if (!server) {
      const why = registry.isRefreshing() ? 'is not found yet (looking for servers)' : 'is not configured or was not found';
      return this.set(
        {
          kind: 'off',
          reason: 'noServer',
          ref,
          message: `The completion model's server "${ref.server}" ${why}. Select another completion model or add the server.`,
        },
        '',
      );
    }
    const settings = this.deps.settings();
    const nCtx = contextFor(server, registry.status(server.name), registry.findModel(ref));
    const key = JSON.stringify([
      server,
      ref.model,
      nCtx,
      settings.template,
      settings.maxLines,
      settings.maxTokens,
      settings.prefixLines,
      settings.suffixLines,
      settings.debounceMinMs,
      settings.debounceMaxMs,
      settings.extraContext,
      settings.samplers,
      this.keysVersion,
    ]);
    if (key === this.planKey) return;
    this.planKey = key;
    const generation = ++this.generation;
    try {
      const state = await this.build({ key, server, ref, nCtx, settings });
      if (generation !== this.generation) {
        if (state.kind === 'ready') state.engine.dispose();
        return;
      }
      this.set(state, key);
    } catch (err) {
      if (generation !== this.generation) return;
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log.error('completion: could not set up the engine', err);
      this.set({ kind: 'off', reason: 'failed', ref, message: `Completion could not start: ${message}` }, key);
    }
  }

  private async build(plan: Plan): Promise<SessionState> {
    const { server, ref, settings } = plan;
    const client = await this.deps.registry.client(server.name);
    const resolved = resolveTemplate(ref.model, settings.template);
    if (resolved.problem) this.deps.log.warn(`completion: ${resolved.problem}`);
    const explicit = resolved.source === 'setting';
    let backend: FimBackend;
    let backendLabel: string;
    let templateText: string;
    let template: FimTemplate | undefined = resolved.template;
    if (server.kind === 'llamacpp' && !explicit) {
      backend = new InfillBackend(client);
      backendLabel = 'llama.cpp /infill';
      template = undefined;
      templateText = "the model's own FIM tokens, applied by llama.cpp's /infill";
    } else if (server.kind === 'ollama') {
      // A template chosen in settings is used as a raw prompt even when the model could take `suffix`.
      const ollama = new OllamaBackend(client, explicit ? { capabilities: () => [] } : {});
      backend = ollama;
      backendLabel = 'Ollama /api/generate';
      templateText = explicit ? resolved.description : "Ollama's template for the model (checking whether it can insert…)";
      if (!explicit) {
        void ollama.supportsInsert(ref.model).then((insert) => {
          if (this.current.kind !== 'ready' || this.planKey !== plan.key) return;
          const text = insert
            ? "the model's own template in Ollama (it has the insert capability; prompt + suffix)"
            : resolved.template
              ? `${resolved.description}, raw prompt (the model has no insert capability)`
              : `none: "${ref.model}" has no insert capability and no FIM template is known for it; pick one in hearth.completion.template`;
          this.set({ ...this.current, template: text }, plan.key);
        });
      }
    } else {
      if (!template) {
        return {
          kind: 'off',
          reason: 'noTemplate',
          ref,
          message: `${resolved.description} ${kindLabel(server.kind)} gets a raw /v1/completions prompt, so Hearth needs to know the model's FIM format.`,
        };
      }
      backend = new OpenAICompletionsBackend(client, { streamUsage: server.streamUsage });
      backendLabel = `${kindLabel(server.kind)} /v1/completions`;
      templateText = resolved.description;
    }
    const engine = new CompletionEngine({
      backend: tracked(backend, (delta) => this.busyChanged.fire(delta)),
      model: ref.model,
      template,
      nCtx: plan.nCtx,
      repoName: this.deps.workspaceName(),
      // llama.cpp (and Ollama's runner, built on it) evaluates a prompt to the end after the connection closed.
      holdUntilFirstToken: server.kind === 'llamacpp' || server.kind === 'ollama',
      ring: this.deps.ring,
      scheduler: {
        minDelayMs: settings.debounceMinMs,
        maxDelayMs: settings.debounceMaxMs,
        defaultDelayMs: Math.min(settings.debounceMaxMs, Math.max(settings.debounceMinMs, 80)),
      },
      settings: engineSettings(settings),
      onStats: (s) => this.requested.fire(s),
      log: this.deps.log,
    });
    engine.onDidImprove((at) => this.improved.fire(at));
    this.deps.log.info(
      `completion: ${ref.model} on ${server.name} via ${backendLabel}; template: ${templateText}${plan.nCtx ? `; context ${plan.nCtx} tokens` : ''}`,
    );
    return { kind: 'ready', engine, ref, server, backend: backendLabel, template: templateText };
  }

  private set(state: SessionState, key: string): void {
    const old = this.current;
    if (key === '') {
      this.generation++;
      this.planKey = '';
    }
    if (old.kind === 'ready' && (state.kind !== 'ready' || old.engine !== state.engine)) old.engine.dispose();
    if (old.kind === 'off' && state.kind === 'off' && old.message === state.message) return;
    this.current = state;
    this.changed.fire(state);
  }

  dispose(): void {
    this.generation++;
    if (this.current.kind === 'ready') this.current.engine.dispose();
    this.current = { kind: 'off', reason: 'noModel', message: 'Completion is shut down.' };
    this.changed.dispose();
    this.requested.dispose();
    this.improved.dispose();
    this.busyChanged.dispose();
  }
}
