// The server kinds Hearth speaks to, their presets, and validation of the
// `hearth.servers` setting. Pure TypeScript, no `vscode` import.
import { kindLabel, type ContextLengthSetting, type ServerConfig, type ServerKind } from '../types';
import { displayUrl } from '../url';

export interface KindInfo {
  kind: ServerKind;
  /** Shown to the user: "llama.cpp", "Ollama", … */
  label: string;
  /** The port the server listens on by default (none for generic OpenAI-compatible servers). */
  defaultPort?: number;
  /** `http://127.0.0.1:<defaultPort>` when there is a default port. */
  defaultUrl?: string;
  /** Every port auto-detection probes for this kind: the default first. */
  probePorts: readonly number[];
}

const PRESET_HOST = '127.0.0.1';

/** The defaults of `hearth.servers` and `hearth.autoDetect`, as package.json declares them (a unit test compares the two). */
export const SERVER_DEFAULTS = { servers: [] as readonly unknown[], autoDetect: true };

function info(kind: ServerKind, defaultPort?: number, ...otherPorts: number[]): KindInfo {
  return {
    kind,
    label: kindLabel(kind),
    defaultPort,
    defaultUrl: defaultPort ? `http://${PRESET_HOST}:${defaultPort}` : undefined,
    probePorts: defaultPort ? [defaultPort, ...otherPorts] : [],
  };
}

/** Every kind, in the order the UI lists them. llama.cpp announced a move of its default port from 8080 to 9931: both are probed. */
export const KINDS: readonly KindInfo[] = [
  info('llamacpp', 8080, 9931),
  info('ollama', 11434),
  info('lmstudio', 1234),
  info('vllm', 8000),
  info('openai'),
];

/** "llama.cpp (:8080, :9931), Ollama (:11434), …": the ports auto-detection probes, for messages. */
export function describeProbedPorts(): string {
  return KINDS.filter((k) => k.probePorts.length)
    .map((k) => `${k.label} (${k.probePorts.map((p) => `:${p}`).join(', ')})`)
    .join(', ');
}

export function isServerKind(value: unknown): value is ServerKind {
  return typeof value === 'string' && KINDS.some((k) => k.kind === value);
}

/**
 * The servers auto-detection probes: one per kind and port, on 127.0.0.1.
 * `ports` replaces a kind's ports (tests use free ports); a kind mapped to 0
 * (or an empty list) is left out.
 */
export function presetServers(ports: Partial<Record<ServerKind, number | readonly number[]>> = {}): ServerConfig[] {
  const out: ServerConfig[] = [];
  for (const k of KINDS) {
    const given = ports[k.kind];
    const list = given === undefined ? k.probePorts : typeof given === 'number' ? [given] : given;
    for (const port of list) {
      if (!port) continue;
      const host = `${PRESET_HOST}:${port}`;
      out.push({ name: `${k.label} (${host})`, kind: k.kind, url: `http://${host}`, detected: true });
    }
  }
  return out;
}

/**
 * Normalises a server URL: trims, drops trailing slashes and a trailing `/v1`
 * (and `/api` for Ollama). Returns the URL or a problem in words.
 */
export function normalizeUrl(raw: unknown, kind?: ServerKind): { url: string } | { problem: string } {
  if (typeof raw !== 'string' || !raw.trim()) return { problem: '"url" is missing (e.g. "http://127.0.0.1:8080").' };
  let text = raw.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return { problem: `"url" must start with http:// or https:// (got "${displayUrl(text)}").` };
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return { problem: `"url" is not a valid URL: "${displayUrl(text)}".` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { problem: `"url" must use http or https, not ${parsed.protocol.replace(':', '')}.` };
  }
  if (parsed.username || parsed.password) {
    return { problem: '"url" must not contain a user name or password; set an API key for the server instead.' };
  }
  if (parsed.search || parsed.hash) {
    return { problem: '"url" must not contain a query (?…) or fragment (#…).' };
  }
  let path = parsed.pathname.replace(/\/+$/, '');
  path = path.replace(/\/v1$/i, '').replace(/\/+$/, '');
  if (kind === 'ollama') path = path.replace(/\/api$/i, '').replace(/\/+$/, '');
  text = `${parsed.protocol}//${parsed.host}${path}`;
  return { url: text };
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True for a valid HTTP header name (RFC 9110 token). */
export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

function describeEntry(index: number, name: unknown): string {
  return typeof name === 'string' && name.trim() ? `hearth.servers[${index}] ("${name.trim()}")` : `hearth.servers[${index}]`;
}

/** Checks one entry; returns the config or the problem (without the entry prefix). */
function validateEntry(entry: unknown): { server: ServerConfig } | { problem: string } {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return { problem: 'expected an object with "name", "kind" and "url".' };
  }
  const e = entry as Record<string, unknown>;
  if (typeof e.name !== 'string' || !e.name.trim()) return { problem: '"name" is missing or empty.' };
  if (!isServerKind(e.kind)) {
    const kinds = KINDS.map((k) => `"${k.kind}"`).join(', ');
    const got = e.kind === undefined ? 'it is missing' : `got ${JSON.stringify(e.kind)}`;
    return { problem: `"kind" must be one of ${kinds} (${got}).` };
  }
  const url = normalizeUrl(e.url, e.kind);
  if ('problem' in url) return url;
  const server: ServerConfig = { name: e.name.trim(), kind: e.kind, url: url.url };
  if (e.headers !== undefined) {
    if (typeof e.headers !== 'object' || e.headers === null || Array.isArray(e.headers)) {
      return { problem: '"headers" must be an object of header names to string values.' };
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(e.headers as Record<string, unknown>)) {
      if (!HEADER_NAME.test(key)) return { problem: `header name "${key}" is not valid.` };
      if (typeof value !== 'string') return { problem: `header "${key}" must have a string value.` };
      if (/[\r\n\0]/.test(value)) return { problem: `header "${key}" must not contain line breaks.` };
      headers[key] = value;
    }
    server.headers = headers;
  }
  if (e.timeoutSeconds !== undefined) {
    const t = e.timeoutSeconds;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
      return { problem: `"timeoutSeconds" must be a positive number (got ${JSON.stringify(t)}).` };
    }
    server.timeoutSeconds = t;
  }
  if (e.contextLength !== undefined) {
    const context = validateContextLength(e.contextLength);
    if (typeof context === 'string') return { problem: context };
    server.contextLength = context;
  }
  if (e.streamUsage !== undefined) {
    if (typeof e.streamUsage !== 'boolean') return { problem: '"streamUsage" must be true or false.' };
    server.streamUsage = e.streamUsage;
  }
  return { server };
}

/** The smallest `contextLength` accepted: below it nothing useful fits. */
export const MIN_CONTEXT_LENGTH = 256;

function isContextNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= MIN_CONTEXT_LENGTH;
}

/** A server entry's `contextLength`: a number of tokens, or `{ "<model id>": tokens, "*": tokens }`. */
function validateContextLength(raw: unknown): ContextLengthSetting | string {
  const shape = `"contextLength" must be a whole number of tokens (at least ${MIN_CONTEXT_LENGTH}) or an object of model ids to such numbers`;
  if (isContextNumber(raw)) return raw;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `${shape} (got ${JSON.stringify(raw)}).`;
  const out: Record<string, number> = {};
  for (const [model, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!isContextNumber(value)) return `${shape}; "${model}" has ${JSON.stringify(value)}.`;
    out[model] = value;
  }
  return out;
}

/**
 * Validates the raw `hearth.servers` setting. Each invalid entry is reported
 * (index, name, what is wrong) and skipped; the others are returned. Never throws.
 */
export function validateServers(raw: unknown): { servers: ServerConfig[]; problems: string[] } {
  const servers: ServerConfig[] = [];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { servers, problems };
  if (!Array.isArray(raw)) {
    problems.push('hearth.servers must be a list of servers ([{ "name", "kind", "url" }]).');
    return { servers, problems };
  }
  const seen = new Set<string>();
  raw.forEach((entry, index) => {
    const where = describeEntry(index, (entry as { name?: unknown } | null)?.name);
    const result = validateEntry(entry);
    if ('problem' in result) {
      problems.push(`${where}: ${result.problem}`);
      return;
    }
    const key = result.server.name.toLowerCase();
    if (seen.has(key)) {
      problems.push(`${where}: another server is already named "${result.server.name}"; names must be unique.`);
      return;
    }
    seen.add(key);
    servers.push(result.server);
  });
  return { servers, problems };
}

/**
 * What is wrong with a new server's name, if anything: empty, or the name of
 * an entry of `hearth.servers` up to case (names are compared that way).
 */
export function serverNameProblem(name: string, existing: readonly unknown[]): string | undefined {
  const wanted = name.trim();
  if (!wanted) return 'A name is needed.';
  const taken = existing
    .map((e) => (typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined))
    .find((n): n is string => typeof n === 'string' && n.trim().toLowerCase() === wanted.toLowerCase());
  return taken === undefined ? undefined : `A server named "${taken.trim()}" exists (names must differ in more than case).`;
}
