// Asks one server what it serves: its models, their context lengths and
// whether they can fill in the middle. One function per kind, each speaking
// that server's own API. Never throws: a failure becomes state 'error'.
import type { ServerConfig } from '../types';
import type { ModelInfo, ServerStatus } from './types';
import type { ServerClient } from '../http';
import { HearthError, unexpectedShape } from '../errors';
import { modelFamily } from './families';

export interface DiscoverOptions {
  /** Per request; default 5 s or the server's own timeout if shorter (discovery must not hang a refresh). */
  timeoutMs?: number;
  /** Parallel `/api/show` calls on Ollama; default 4. */
  concurrency?: number;
}

interface Found {
  models: ModelInfo[];
  props?: ServerStatus['props'];
}

type Ctx = { client: ServerClient; server: ServerConfig; signal?: AbortSignal; timeoutMs: number; concurrency: number };

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
  const models = data.map((m): ModelInfo => {
    const meta = isObject(m.meta) ? m.meta : {};
    const status = isObject(m.status) ? m.status.value : undefined; // router mode
    return {
      id: m.id as string,
      server: c.server.name,
      contextLength: nCtx ?? positive(meta.n_ctx),
      fim: true,
      ...(typeof status === 'string' ? { loaded: status === 'loaded' } : {}),
    };
  });
  return { models, props: props === undefined ? undefined : { nCtx, slots } };
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

async function ollama(c: Ctx): Promise<Found> {
  const path = '/api/tags';
  const tags = await get<unknown>(c, path);
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
    const base: ModelInfo = { id, server: c.server.name, fim: !!modelFamily(id) };
    if (!isObject(show)) return base;
    const caps = Array.isArray(show.capabilities) ? show.capabilities.filter((x): x is string => typeof x === 'string') : undefined;
    if (caps && caps.includes('embedding') && !caps.includes('completion') && !caps.includes('insert')) return undefined;
    const numCtx = typeof show.parameters === 'string' ? /(?:^|\n)\s*num_ctx\s+(\d+)/.exec(show.parameters)?.[1] : undefined;
    return {
      ...base,
      contextLength: ollamaContext(show),
      fim: caps ? caps.includes('insert') : base.fim,
      ...(numCtx ? { numCtx: Number(numCtx) } : {}),
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
    timeoutMs: options.timeoutMs ?? Math.min(client.timeoutMs, 5000),
    concurrency: options.concurrency ?? 4,
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
