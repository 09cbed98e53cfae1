// The servers Hearth knows (configured, or auto-detected when none are) and
// their last discovered status. Refreshes run detection and discovery in the
// background; concurrent refreshes share one run, and configuring again
// invalidates the run in flight. No network until `refresh` is called.
import type { Logger, ServerConfig } from '../types';
import type { ModelInfo, ModelRef, ServerStatus } from './types';
import { Emitter, type Event } from '../events';
import { HearthError, classify } from '../errors';
import { ServerClient } from '../http';
import { discover } from './discovery';
import { detectServers } from './detect';
import { presetServers } from './kinds';

export interface RegistryOptions {
  log: Logger;
  getApiKey(server: ServerConfig): Promise<string | undefined>;
  /** Header values kept in secret storage for a server (sent like its `headers`, only to its origin). */
  getSecretHeaders?(server: ServerConfig): Promise<Record<string, string>>;
  fetch?: typeof fetch;
  /** Servers auto-detection probes; default `presetServers()`. */
  presets?: ServerConfig[];
  /** Per probe; default 800 ms. */
  detectTimeoutMs?: number;
  /** Time to the first byte of each discovery request; default each server's own `timeoutSeconds`. */
  discoverTimeoutMs?: number;
  /** A refresh this soon after the last one returns the cached statuses unless forced; default 2 s. */
  maxAgeMs?: number;
}

export interface RefreshOptions {
  /** Start a new run even if one is in flight or the statuses are fresh (e.g. after a key changed). */
  force?: boolean;
  /** Stops waiting (rejects with an 'aborted' HearthError); the shared run goes on for others. */
  signal?: AbortSignal;
}

interface Run {
  controller: AbortController;
  promise: Promise<ServerStatus[]>;
}

function sameConfig(a: ServerConfig, b: ServerConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class Registry {
  private configured: ServerConfig[] = [];
  private autoDetect = true;
  private detected: ServerConfig[] = [];
  private readonly byName = new Map<string, ServerStatus>();
  private run?: Run;
  private lastDone = 0;
  private disposed = false;
  private readonly presets: ServerConfig[];
  /** llama.cpp /infill probe results, so each model is probed once (see discovery). */
  private readonly fimCache = new Map<string, boolean>();
  private readonly changed = new Emitter<readonly ServerStatus[]>();
  /** Fires with all statuses whenever one changes. */
  readonly onDidChange: Event<readonly ServerStatus[]> = this.changed.event;

  constructor(private readonly options: RegistryOptions) {
    this.presets = options.presets ?? presetServers();
  }

  /** Sets the configured servers (already validated) and whether to auto-detect when there are none. */
  configure(config: { servers: readonly ServerConfig[]; autoDetect: boolean }): void {
    const servers = [...config.servers];
    const unchanged =
      config.autoDetect === this.autoDetect &&
      servers.length === this.configured.length &&
      servers.every((s, i) => sameConfig(s, this.configured[i]));
    if (unchanged) return;
    this.run?.controller.abort();
    this.run = undefined;
    this.lastDone = 0;
    this.configured = servers;
    this.autoDetect = config.autoDetect;
    if (servers.length > 0 || !config.autoDetect) this.detected = [];
    const previous = new Map(this.byName);
    this.byName.clear();
    for (const server of this.servers()) {
      const old = previous.get(server.name);
      this.byName.set(server.name, old && sameConfig(old.server, server) ? old : { server, state: 'unknown', models: [] });
    }
    this.fire();
  }

  /** The servers in use: the configured ones, or the detected ones when none are configured. */
  servers(): ServerConfig[] {
    return this.configured.length > 0 ? [...this.configured] : this.autoDetect ? [...this.detected] : [];
  }

  statuses(): ServerStatus[] {
    return this.servers()
      .map((s) => this.byName.get(s.name))
      .filter((s): s is ServerStatus => !!s);
  }

  status(name: string): ServerStatus | undefined {
    return this.byName.get(name);
  }

  isRefreshing(): boolean {
    return !!this.run;
  }

  findModel(ref: ModelRef): ModelInfo | undefined {
    return this.byName.get(ref.server)?.models.find((m) => m.id === ref.model);
  }

  /**
   * True while detection is on and Hearth has nothing configured: a preset
   * that is not found now may start any time.
   */
  get detecting(): boolean {
    return this.configured.length === 0 && this.autoDetect;
  }

  /** The auto-detection preset of this name, while detection is on (found now or not). */
  preset(name: string): ServerConfig | undefined {
    return this.detecting ? this.presets.find((p) => p.name === name) : undefined;
  }

  /**
   * A client for a server by name, with its API key. A detected server that
   * is not running now still gets a client (its request then says "not
   * running", with Retry). Throws a HearthError when the name is unknown.
   */
  async client(serverName: string): Promise<ServerClient> {
    const server = this.servers().find((s) => s.name === serverName) ?? this.preset(serverName);
    if (!server) {
      throw new HearthError('notFound', `Hearth has no server named "${serverName}" any more; pick another model.`, {
        serverName,
        actions: ['selectModel', 'openSettings'],
      });
    }
    return this.clientFor(server);
  }

  async clientFor(server: ServerConfig): Promise<ServerClient> {
    let apiKey: string | undefined;
    let secretHeaders: Record<string, string> | undefined;
    try {
      apiKey = await this.options.getApiKey(server);
      secretHeaders = await this.options.getSecretHeaders?.(server);
    } catch (err) {
      this.options.log.warn(`could not read the secrets of "${server.name}": ${err instanceof Error ? err.message : String(err)}`);
    }
    return new ServerClient(server, { apiKey, secretHeaders, log: this.options.log, fetch: this.options.fetch });
  }

  /** Detects (when needed) and discovers every server; resolves with the statuses. Never rejects unless `signal` fires. */
  refresh(options: RefreshOptions = {}): Promise<ServerStatus[]> {
    if (this.disposed) return Promise.resolve([]);
    if (!options.force) {
      if (this.run) return this.wait(this.run.promise, options.signal);
      const maxAge = this.options.maxAgeMs ?? 2000;
      if (this.lastDone && Date.now() - this.lastDone < maxAge) return Promise.resolve(this.statuses());
    }
    this.run?.controller.abort();
    const run: Run = { controller: new AbortController(), promise: undefined as unknown as Promise<ServerStatus[]> };
    this.run = run;
    run.promise = this.execute(run).then(
      (statuses) => this.settle(run, statuses),
      (err: unknown) => {
        this.options.log.error('refresh failed', err);
        return this.settle(run, this.statuses());
      },
    );
    return this.wait(run.promise, options.signal);
  }

  dispose(): void {
    this.disposed = true;
    this.run?.controller.abort();
    this.run = undefined;
    this.changed.dispose();
  }

  /** The result for the callers of `run`: its own, or the newer run's when it was superseded. */
  private settle(run: Run, statuses: ServerStatus[]): Promise<ServerStatus[]> | ServerStatus[] {
    if (this.run === run) {
      this.run = undefined;
      this.lastDone = Date.now();
      this.fire();
      return statuses;
    }
    if (this.disposed) return [];
    return this.run ? this.run.promise : this.refresh();
  }

  private async execute(run: Run): Promise<ServerStatus[]> {
    const signal = run.controller.signal;
    if (this.configured.length === 0 && this.autoDetect) {
      const found = await detectServers(this.presets, {
        log: this.options.log,
        fetch: this.options.fetch,
        timeoutMs: this.options.detectTimeoutMs,
        signal,
      });
      if (this.run !== run) return [];
      this.detected = found;
      for (const name of [...this.byName.keys()]) if (!found.some((s) => s.name === name)) this.byName.delete(name);
    }
    const servers = this.servers();
    for (const server of servers) {
      const old = this.byName.get(server.name);
      this.byName.set(server.name, { models: [], ...old, server, state: 'checking', error: undefined });
    }
    this.fire();
    await Promise.all(
      servers.map(async (server) => {
        const client = await this.clientFor(server);
        const status = await discover(client, server, signal, { timeoutMs: this.options.discoverTimeoutMs, fimCache: this.fimCache });
        if (this.run !== run) return;
        this.byName.set(server.name, status);
        if (status.error) this.options.log.warn(`${server.name}: ${status.error.toLogString()}`);
        this.fire();
      }),
    );
    return this.statuses();
  }

  private wait(promise: Promise<ServerStatus[]>, signal?: AbortSignal): Promise<ServerStatus[]> {
    if (!signal) return promise;
    if (signal.aborted) return Promise.reject(classify(signal.reason));
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(classify(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private fire(): void {
    if (!this.disposed) this.changed.fire(this.statuses());
  }
}
