// Auto-detection: probes the preset ports on 127.0.0.1 in parallel, with a
// short timeout and no retries, and keeps the servers that answer as the kind
// the port belongs to (port 8080 may well be something else).
import type { Logger, ServerConfig } from '../types';
import { ServerClient } from '../http';
import { parseServerJson } from '../json';

export interface DetectOptions {
  /** Per probe request; default 800 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  log: Logger;
  signal?: AbortSignal;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = parseServerJson(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

type Get = (path: string) => Promise<{ status: number; headers: Headers; json?: Record<string, unknown> }>;

const PROBES: Record<ServerConfig['kind'], (get: Get) => Promise<boolean>> = {
  async llamacpp(get) {
    const health = await get('/health');
    if (/llama\.cpp/i.test(health.headers.get('server') ?? '')) return true;
    const err = health.json?.error as Record<string, unknown> | undefined;
    const healthy = health.json?.status === 'ok' || err?.type === 'unavailable_error';
    if (!healthy) return false;
    const props = await get('/props');
    return props.status === 200 && typeof props.json?.default_generation_settings === 'object';
  },
  async ollama(get) {
    const res = await get('/api/version');
    return res.status === 200 && typeof res.json?.version === 'string' && !/llama\.cpp/i.test(res.headers.get('server') ?? '');
  },
  async lmstudio(get) {
    const res = await get('/api/v0/models');
    const data = res.json?.data;
    if (res.status !== 200 || res.json?.object !== 'list' || !Array.isArray(data)) return false;
    return data.length === 0 || data.some((m) => typeof m === 'object' && m !== null && ('state' in m || 'max_context_length' in m));
  },
  async vllm(get) {
    const [version, models] = await Promise.all([get('/version').catch(() => undefined), get('/v1/models').catch(() => undefined)]);
    if (version?.status === 200 && typeof version.json?.version === 'string' && models?.status === 200) return true;
    const data = models?.status === 200 ? models.json?.data : undefined;
    return (
      Array.isArray(data) && data.some((m) => typeof m === 'object' && m !== null && (m as { owned_by?: unknown }).owned_by === 'vllm')
    );
  },
  async openai() {
    return false; // no default port: never auto-detected
  },
};

/** True when `server` answers as its kind. Never throws. */
export async function probe(server: ServerConfig, options: DetectOptions): Promise<boolean> {
  const client = new ServerClient(server, { log: options.log, fetch: options.fetch });
  const get: Get = async (path) => {
    const res = await client.raw(path, { timeoutMs: options.timeoutMs ?? 800, signal: options.signal, quiet: true });
    return { status: res.status, headers: res.headers, json: parse(res.text) };
  };
  try {
    return await PROBES[server.kind](get);
  } catch {
    return false;
  }
}

/** The presets that answer as their kind, in the presets' order. */
export async function detectServers(presets: readonly ServerConfig[], options: DetectOptions): Promise<ServerConfig[]> {
  const started = Date.now();
  const hits = await Promise.all(presets.map((p) => probe(p, options)));
  const found = presets.filter((_, i) => hits[i]).map((p) => ({ ...p, detected: true }));
  const missing = presets.filter((_, i) => !hits[i]).map((p) => p.name);
  options.log.info(
    `auto-detect (${Date.now() - started} ms): ${found.length ? `found ${found.map((s) => s.name).join(', ')}` : 'no server found'}` +
      (missing.length ? `; nothing answering as ${missing.join(', ')}` : ''),
  );
  return found;
}
