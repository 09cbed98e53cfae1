// The completion engine for the completion model: the one selected, or, when
// none is, the only model that can fill in the middle. Which backend
// (llama.cpp /infill, Ollama /api/generate, /v1/completions), which FIM
// template (and a sentence saying which and why), the context size (the rule
// chat uses too) and Ollama's num_ctx. Rebuilt when the model, the server,
// its key or a setting that shapes requests changes; the extra-context ring
// outlives the engines.
import type { FimBackend } from '../core/completion/backend';
import { CompletionEngine, type CompletionSettings, type ImprovedAt } from '../core/completion/engine';
import { InfillBackend } from '../core/completion/infill';
import { OllamaBackend } from '../core/completion/ollama';
import { OpenAICompletionsBackend } from '../core/completion/openaiCompletions';
import type { ExtraRing } from '../core/completion/ring';
import { SlotAffinity } from '../core/completion/slots';
import type { CompletionStats } from '../core/completion/stats';
import { resolveTemplate, type FimTemplate } from '../core/completion/templates';
import { Emitter } from '../core/events';
import { kindLabel } from '../core/types';
import type { Registry } from '../core/servers/registry';
import type { Logger, ServerConfig } from '../core/types';
import type { ModelRef } from '../core/servers/types';
import { contextInfo, describeContextSource, type ContextInfo } from '../core/servers/context';
import { knownNotFim, onlyFimModel } from '../core/servers/modelList';
import type { CompletionUserSettings } from './settings';

export type SessionState =
  | {
      kind: 'ready';
      engine: CompletionEngine;
      ref: ModelRef;
      /** Not chosen by the user: the only model that can fill in the middle. */
      automatic: boolean;
      server: ServerConfig;
      backend: string;
      template: string;
      /** "8,192 tokens (as loaded in Ollama)". */
      context: string;
    }
  | { kind: 'off'; reason: 'noModel' | 'noServer' | 'noTemplate' | 'noFim' | 'failed'; message: string; ref?: ModelRef; choices?: number };

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
  automatic: boolean;
  context: ContextInfo;
  settings: CompletionUserSettings;
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
    const { registry } = this.deps;
    const selected = this.deps.selected();
    const only = selected ? undefined : onlyFimModel(registry.statuses());
    const ref = selected ?? only?.ref;
    if (!ref) {
      const count = only?.count ?? 0;
      const message =
        count > 1
          ? `No completion model selected: ${count} models can fill in the middle; run "Hearth: Select Completion Model".`
          : registry.statuses().some((s) => s.models.length > 0)
            ? 'No model that can fill in the middle was found: load a code base model (e.g. Qwen2.5-Coder base), or run "Hearth: Select Completion Model".'
            : 'No completion model: no model server answered yet.';
      return this.set({ kind: 'off', reason: 'noModel', message, choices: count }, '');
    }
    const server = registry.servers().find((s) => s.name === ref.server);
    if (!server) {
      const preset = registry.preset(ref.server);
      const message = preset
        ? `${kindLabel(preset.kind)} at ${preset.url} is not running. Hearth looks for it again when the window gets focus and while you type.`
        : `The completion model's server "${ref.server}" ${registry.isRefreshing() ? 'is not found yet (looking for servers)' : 'is not configured or was not found'}. Select another completion model or add the server.`;
      return this.set({ kind: 'off', reason: 'noServer', ref, message }, '');
    }
    const settings = this.deps.settings();
    const model = registry.findModel(ref);
    if (model && knownNotFim(model) && server.kind === 'llamacpp' && settings.template === 'auto') {
      return this.set(
        {
          kind: 'off',
          reason: 'noFim',
          ref,
          message: `"${ref.model}" on ${server.name} has no fill-in-the-middle tokens; load a code base model for inline completion.`,
        },
        '',
      );
    }
    const context = contextInfo(registry.status(server.name), model);
    const key = JSON.stringify([
      server,
      ref.model,
      !selected,
      context,
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
      const state = await this.build({ key, server, ref, automatic: !selected, context, settings });
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
    const { server, ref, settings, context } = plan;
    const client = await this.deps.registry.client(server.name);
    const resolved = resolveTemplate(ref.model, settings.template);
    if (resolved.problem) this.deps.log.warn(`completion: ${resolved.problem}`);
    const explicit = resolved.source === 'setting';
    let backend: FimBackend;
    let backendLabel: string;
    let templateText: string;
    let template: FimTemplate | undefined = resolved.template;
    if (server.kind === 'llamacpp' && !explicit) {
      const registry = this.deps.registry;
      backend = new InfillBackend(client, new SlotAffinity(() => registry.status(server.name)?.props?.slots));
      backendLabel = 'llama.cpp /infill';
      template = undefined;
      templateText = "the model's own FIM tokens, applied by llama.cpp's /infill";
    } else if (server.kind === 'ollama') {
      // A template chosen in settings is used as a raw prompt even when the model could take `suffix`.
      // The same num_ctx chat sends, so Ollama keeps one copy of the model loaded.
      const ollama = new OllamaBackend(client, { numCtx: context.numCtx, ...(explicit ? { capabilities: () => [] } : {}) });
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
      nCtx: context.tokens,
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
    const contextText = `${context.tokens.toLocaleString('en-US')} tokens (${describeContextSource(context.source)})`;
    this.deps.log.info(
      `completion: ${ref.model} on ${server.name}${plan.automatic ? ' (the only FIM model, chosen automatically)' : ''} via ${backendLabel}; template: ${templateText}; context ${contextText}`,
    );
    return {
      kind: 'ready',
      engine,
      ref,
      automatic: plan.automatic,
      server,
      backend: backendLabel,
      template: templateText,
      context: contextText,
    };
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
