// Asks one server what it serves: its models, their context lengths and
// whether they can fill in the middle. One function per kind, each speaking
// that server's own API. Never throws: a failure becomes state 'error'.
import type { ServerConfig } from '../types';
import type { ModelInfo, ServerStatus } from './types';
import type { ServerClient } from '../http';
import { HearthError, unexpectedShape } from '../errors';
import { modelFamily } from './families';

export interface DiscoverOptions {
  /** Time to the first byte of each request; default the server's own (`timeoutSeconds`). */
  timeoutMs?: number;
  /** Parallel `/api/show` calls on Ollama; default 4. */
  concurrency?: number;
  /**
   * llama.cpp: what the /infill probe found per model (key from `fimKey`),
   * kept by the caller across discoveries so each model is probed once.
   */
  fimCache?: Map<string, boolean>;
}

interface Found {
  models: ModelInfo[];
  props?: ServerStatus['props'];
}

type Ctx = {
  client: ServerClient;
  server: ServerConfig;
  signal?: AbortSignal;
  timeoutMs: number;
  concurrency: number;
  fimCache?: Map<string, boolean>;
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

function get<T>(c: Ctx, path: string, body?: unknown): Promise<T> {
  return c.client.json<T>(path, { signal: c.signal, timeoutMs: c.timeoutMs, body });
}

/** The `data` list of an OpenAI-style `/v1/models` answer. */
async function openaiModels(c: Ctx): Promise<Record<string, unknown>[]> {
  const path = '/v1/models';
  const list = await get<unknown>(c, path);
  if (!isObject(list) || !Array.isArray(list.data)) throw unexpectedShape(c.client.requestFacts({ path }), 'no "data" list', list);
  return list.data.filter((m): m is Record<string, unknown> => isObject(m) && typeof m.id === 'string');
}

function contextOf(m: Record<string, unknown>): number | undefined {
  return positive(m.max_model_len) ?? positive(m.context_length) ?? positive(m.context_window) ?? positive(m.max_context_length);
}

async function llamacpp(c: Ctx): Promise<Found> {
  try {
    await get(c, '/health');
  } catch (err) {
    // 503 'loading' goes up; an old build or a proxy without /health is not a failure.
    if (!(err instanceof HearthError) || (err.code !== 'notFound' && err.code !== 'malformed')) throw err;
  }
  const [data, props] = await Promise.all([
    openaiModels(c),
    get<unknown>(c, '/props').catch((err: unknown) => {
      if (err instanceof HearthError && (err.code === 'unauthorized' || err.code === 'aborted')) throw err;
      return undefined; // props are a bonus
    }),
  ]);
  const settings = isObject(props) && isObject(props.default_generation_settings) ? props.default_generation_settings : {};
  const nCtx = positive(settings.n_ctx);
  const slots = isObject(props) ? positive(props.total_slots) : undefined;
  const modelPath = isObject(props) && typeof props.model_path === 'string' ? props.model_path : '';
  const caps = isObject(props) && isObject(props.chat_template_caps) ? props.chat_template_caps : undefined;
  const modalities = isObject(props) && isObject(props.modalities) ? props.modalities : undefined;
  const abilities = {
    ...(caps && typeof caps.supports_tools === 'boolean' ? { tools: caps.supports_tools } : {}),
    ...(modalities && typeof modalities.vision === 'boolean' ? { vision: modalities.vision } : {}),
  };
  // One llama-server serves one model under every id it lists: one probe tells for all. A router
  // (ids with a status) serves several: its loaded ones are probed, a few at a time and at most
  // MAX_FIM_PROBES per look, so a server listing thousands of ids costs a bounded number of requests.
  const router = data.some((m) => isObject(m.status));
  let shared: Promise<boolean | undefined> | undefined;
  let probes = 0;
  const probe = (id: string): Promise<boolean | undefined> => {
    if (!router) return (shared ??= infillWorks(c, id, fimKey(c.server, data[0].id as string, modelPath)));
    if (c.fimCache?.has(fimKey(c.server, id, modelPath)) || probes++ < MAX_FIM_PROBES)
      return infillWorks(c, id, fimKey(c.server, id, modelPath));
    return Promise.resolve(undefined);
  };
  const models = await mapLimit(data, 2, async (m): Promise<ModelInfo> => {
    const meta = isObject(m.meta) ? m.meta : {};
    const status = isObject(m.status) ? m.status.value : undefined; // router mode
    const loaded = typeof status === 'string' ? status === 'loaded' : undefined;
    const id = m.id as string;
    // A model the router has not loaded is not probed: the probe would load it.
    const fim = loaded === false ? undefined : await probe(id);
    return {
      id,
      server: c.server.name,
      contextLength: nCtx ?? positive(meta.n_ctx),
      fim: fim ?? (loaded === false ? !!modelFamily(id) : true),
      ...(fim !== undefined ? { fimChecked: true } : {}),
      ...(loaded !== undefined ? { loaded } : {}),
      // /props describes the loaded model; in router mode it says nothing of the others.
      ...(loaded === undefined ? abilities : {}),
    };
  });
  return { models, props: props === undefined ? undefined : { nCtx, slots } };
}

/** Router mode: models probed for FIM per look at most (the others keep what their family suggests until a later look). */
const MAX_FIM_PROBES = 8;

/** The FIM probe's time to the first byte at most; past it, FIM stays unknown (a busy server, not an error). */
const PROBE_TIMEOUT_MS = 10_000;

/** The key of one model of one server in the FIM cache (the model file too: a restart may load another). */
export function fimKey(server: Pick<ServerConfig, 'url'>, model: string, modelPath = ''): string {
  return `${server.url}\u0000${model}\u0000${modelPath}`;
}

/**
 * Whether llama.cpp can fill in the middle with `model`: nothing in /props
 * says so, but /infill answers 501 at once for a model without FIM tokens.
 * A tiny streamed request, closed as soon as its headers arrive; once per
 * model (cached). Undefined when the probe could not tell (busy, loading, no /infill).
 */
async function infillWorks(c: Ctx, model: string, key: string): Promise<boolean | undefined> {
  const known = c.fimCache?.get(key);
  if (known !== undefined) return known;
  let works: boolean | undefined;
  try {
    const res = await c.client.stream('/infill', {
      body: { model, input_prefix: '', input_suffix: '', prompt: '', n_predict: 1, stream: true, cache_prompt: false },
      signal: c.signal,
      // A busy server may hold the probe until a slot frees: then it is just not known yet.
      timeoutMs: Math.min(c.timeoutMs, PROBE_TIMEOUT_MS),
      quiet: true,
    });
    await res.body?.cancel().catch(() => undefined);
    works = true;
  } catch (err) {
    if (err instanceof HearthError && err.code === 'aborted') throw err;
    if (err instanceof HearthError && err.status === 501) works = false;
  }
  if (works !== undefined) c.fimCache?.set(key, works);
  return works;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

function ollamaContext(show: Record<string, unknown>): number | undefined {
  const info = isObject(show.model_info) ? show.model_info : {};
  const arch = info['general.architecture'];
  if (typeof arch === 'string' && positive(info[`${arch}.context_length`])) return positive(info[`${arch}.context_length`]);
  const key = Object.keys(info).find((k) => k.endsWith('.context_length'));
  return key ? positive(info[key]) : undefined;
}

/** Ollama's loaded models and the context each runs with (/api/ps; recent Ollama versions report `context_length`). */
async function ollamaLoaded(c: Ctx): Promise<Map<string, number>> {
  const loaded = new Map<string, number>();
  let ps: unknown;
  try {
    ps = await get<unknown>(c, '/api/ps');
  } catch (err) {
    if (err instanceof HearthError && (err.code === 'unauthorized' || err.code === 'aborted')) throw err;
    return loaded; // an old Ollama: the Modelfile or the default then
  }
  for (const m of isObject(ps) && Array.isArray(ps.models) ? ps.models : []) {
    if (!isObject(m)) continue;
    const ctx = positive(m.context_length);
    const name = typeof m.name === 'string' ? m.name : typeof m.model === 'string' ? m.model : undefined;
    if (name && ctx) loaded.set(name, ctx);
  }
  return loaded;
}

async function ollama(c: Ctx): Promise<Found> {
  const path = '/api/tags';
  const [tags, loaded] = await Promise.all([get<unknown>(c, path), ollamaLoaded(c)]);
  if (!isObject(tags) || !Array.isArray(tags.models)) throw unexpectedShape(c.client.requestFacts({ path }), 'no "models" list', tags);
  const names = tags.models
    .map((m) => (isObject(m) ? (typeof m.name === 'string' ? m.name : m.model) : undefined))
    .filter((n): n is string => typeof n === 'string');
  const found = await mapLimit(names, c.concurrency, async (id): Promise<ModelInfo | undefined> => {
    let show: unknown;
    try {
      show = await get<unknown>(c, '/api/show', { model: id });
    } catch (err) {
      if (err instanceof HearthError && (err.code === 'unauthorized' || err.code === 'aborted')) throw err;
    }
    const base: ModelInfo = {
      id,
      server: c.server.name,
      fim: !!modelFamily(id),
      ...(loaded.has(id) ? { loadedContext: loaded.get(id) } : {}),
    };
    if (!isObject(show)) return base;
    const caps = Array.isArray(show.capabilities) ? show.capabilities.filter((x): x is string => typeof x === 'string') : undefined;
    if (caps && caps.includes('embedding') && !caps.includes('completion') && !caps.includes('insert')) return undefined;
    const numCtx = typeof show.parameters === 'string' ? /(?:^|\n)\s*num_ctx\s+(\d+)/.exec(show.parameters)?.[1] : undefined;
    const loadedContext = loaded.get(id);
    return {
      ...base,
      contextLength: ollamaContext(show),
      fim: caps ? caps.includes('insert') : base.fim,
      ...(caps ? { fimChecked: true } : {}),
      ...(numCtx ? { numCtx: Number(numCtx) } : {}),
      ...(loadedContext ? { loadedContext } : {}),
      ...(caps ? { tools: caps.includes('tools'), vision: caps.includes('vision') } : {}),
    };
  });
  return { models: found.filter((m): m is ModelInfo => !!m) };
}

async function lmstudio(c: Ctx): Promise<Found> {
  let list: unknown;
  try {
    list = await get<unknown>(c, '/api/v0/models');
  } catch (err) {
    if (!(err instanceof HearthError) || err.code !== 'notFound') throw err;
  }
  if (!isObject(list) || !Array.isArray(list.data)) {
    // Before LM Studio 0.3.6 (or behind a proxy) there is only the OpenAI API.
    return { models: (await openaiModels(c)).map((m) => generic(c, m)) };
  }
  const models = list.data
    .filter((m): m is Record<string, unknown> => isObject(m) && typeof m.id === 'string')
    .filter((m) => m.type === undefined || m.type === 'llm' || m.type === 'vlm')
    .map((m): ModelInfo => ({
      id: m.id as string,
      server: c.server.name,
      contextLength: positive(m.loaded_context_length) ?? positive(m.max_context_length),
      fim: !!modelFamily(m.id as string),
      ...(typeof m.state === 'string' ? { loaded: m.state === 'loaded' } : {}),
      ...(Array.isArray(m.capabilities) ? { tools: m.capabilities.includes('tool_use') } : {}),
      ...(m.type === 'vlm' ? { vision: true } : m.type === 'llm' ? { vision: false } : {}),
    }));
  return { models };
}

function generic(c: Ctx, m: Record<string, unknown>): ModelInfo {
  const id = m.id as string;
  return { id, server: c.server.name, contextLength: contextOf(m), fim: !!modelFamily(id) };
}

async function openaiLike(c: Ctx): Promise<Found> {
  return { models: (await openaiModels(c)).map((m) => generic(c, m)) };
}

const BY_KIND = { llamacpp, ollama, lmstudio, vllm: openaiLike, openai: openaiLike };

/** Discovers one server. Resolves with state 'ok', 'loading' or 'error'; never rejects. */
export async function discover(
  client: ServerClient,
  server: ServerConfig,
  signal?: AbortSignal,
  options: DiscoverOptions = {},
): Promise<ServerStatus> {
  const c: Ctx = {
    client,
    server,
    signal,
    timeoutMs: options.timeoutMs ?? client.timeoutMs,
    concurrency: options.concurrency ?? 4,
    fimCache: options.fimCache,
  };
  try {
    const found = await BY_KIND[server.kind](c);
    return { server, state: 'ok', models: found.models, ...(found.props ? { props: found.props } : {}), checkedAt: Date.now() };
  } catch (err) {
    const error = client.classify(err);
    const state = error.code === 'loading' ? 'loading' : 'error';
    return { server, state, models: [], error, checkedAt: Date.now() };
  }
}
