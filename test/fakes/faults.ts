// The fault suite: every way a model server (or what stands in front of it)
// fails, as llama.cpp-shaped answers on the three routes Hearth uses — the
// chat stream (POST /v1/chat/completions), the completion stream (POST
// /infill) and discovery (GET /health, /v1/models, /props). Each entry gives
// the FakeServer fault that reproduces it, or names an action the test
// performs (stop the server, use a host that does not resolve, kill the
// server mid-stream). test/integration/faults.test.ts runs them all.
import type { Fault } from './fakeServer';
import { llamaContextExceeded, llamaError } from './fakeLlamaCpp';

export type Feature = 'chat' | 'completion' | 'discovery';

export const FAULT_NAMES = [
  'loading',
  'rateLimited',
  'server500',
  'contextExceeded',
  'modelNotFound',
  'unauthorized',
  'proxyHtml502',
  'malformedSse',
  'utf8Split',
  'cutOff',
  'stall',
  'hugeReply',
  'noChoices',
  'errorEvent',
  'hugeErrorBody',
  'refused',
  'dnsFailure',
  'killedMidStream',
  'crossOriginRedirect',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

/** What a fault is in the suite: a fault on the feature's route, or something the test does. */
export type FaultSetup = { fault: Fault } | { action: 'refused' | 'dnsFailure' | 'killedMidStream' };

/** The text the UTF-8 fault sends, cut inside its multi-byte characters. */
export const UTF8_TEXT = 'Grüße, naïve café: 世界 ✓ — ok';

const PROXY_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title><style>body{font-family:x}</style></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n<script>var x = 1;</script></body>\r\n</html>\r\n';

function sse(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

const chatChunk = (content: string) =>
  sse({ choices: [{ index: 0, delta: { content }, finish_reason: null }], object: 'chat.completion.chunk', model: 'fake' });
const infillChunk = (content: string) => sse({ index: 0, content, stop: false });
const infillEnd = () => sse({ index: 0, content: '', stop: true, stop_type: 'eos', timings: { prompt_n: 1, predicted_n: 1 } });

/** A model list of about `bytes` bytes (discovery's 2 MB reply). */
function bigModelList(bytes: number): string {
  const data = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const id = `/models/model-${i}-${'x'.repeat(200)}.gguf`;
    data.push({ id, object: 'model', owned_by: 'llamacpp', meta: { n_ctx: 4096 } });
    size += id.length + 80;
  }
  return JSON.stringify({ object: 'list', data });
}

/** `text`'s UTF-8 bytes cut into pieces of 1–3 bytes, so that most cuts fall inside a character. */
export function splitBytes(text: string): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  for (let at = 0, n = 1; at < bytes.length; at += n, n = (n % 3) + 1) out.push(bytes.subarray(at, at + n));
  return out;
}

/** The body the feature's route gives when the server works, in pieces. */
function normal(feature: Feature, text: string): string[] {
  if (feature === 'chat') return [chatChunk(text), sse({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }), sse('[DONE]')];
  if (feature === 'completion') return [infillChunk(text), infillEnd()];
  return [JSON.stringify({ object: 'list', data: [{ id: text, object: 'model', owned_by: 'llamacpp', meta: { n_ctx: 4096 } }] })];
}

const json = { 'content-type': 'application/json; charset=utf-8' };

/** The fault for `name` on `feature`'s route; `otherOrigin` is a server to redirect to. */
export function faultFor(name: FaultName, feature: Feature, otherOrigin: string): FaultSetup {
  const stream = (chunks: (string | Uint8Array)[], then: 'end' | 'hang' | 'drop' = 'end', headers?: Record<string, string>) => ({
    fault: { stream: { chunks, then, headers } },
  });
  const start =
    feature === 'discovery' ? ['{"object":"list","data":[{"id":"cut'] : feature === 'chat' ? [chatChunk('Partial ')] : [infillChunk('par')];
  switch (name) {
    case 'loading':
      return { fault: { status: 503, body: llamaError(503, 'Loading model', 'unavailable_error'), headers: { 'retry-after': '1' } } };
    case 'rateLimited':
      return { fault: { status: 429, body: llamaError(429, 'Too many requests', 'rate_limit_error'), headers: { 'retry-after': '1' } } };
    case 'server500':
      return { fault: { status: 500, message: 'slot 0 failed to decode' } };
    case 'contextExceeded':
      return { fault: { status: 400, body: llamaContextExceeded(9000, 4096) } };
    case 'modelNotFound':
      return { fault: { status: 404, body: llamaError(404, "model 'fault-model' not found", 'not_found_error') } };
    case 'unauthorized':
      return { fault: { status: 401, body: llamaError(401, 'Invalid API Key', 'authentication_error') } };
    case 'proxyHtml502':
      return { fault: { status: 502, body: PROXY_502, headers: { 'content-type': 'text/html', server: 'nginx' } } };
    case 'malformedSse':
      if (feature === 'discovery') return { fault: { malformed: true } };
      return stream(['data: {"choices":[{"delta":{"content": broken\n\n', 'data: {"content": also broken\n\n', 'data: [DONE]\n\n']);
    case 'utf8Split':
      return stream(
        normal(feature, UTF8_TEXT).flatMap((piece) => splitBytes(piece)),
        'end',
        feature === 'discovery' ? json : undefined,
      );
    case 'cutOff':
      return stream(start, 'drop', feature === 'discovery' ? json : undefined);
    case 'stall':
      return stream(start, 'hang', feature === 'discovery' ? json : undefined);
    case 'hugeReply': {
      if (feature === 'discovery') return stream([bigModelList(2 * 1024 * 1024)], 'end', json);
      const piece = 'All work and no play makes a very long reply. '.repeat(20); // ~1 KB
      const chunks = Array.from({ length: 2100 }, () => (feature === 'chat' ? chatChunk(piece) : infillChunk(piece)));
      return { fault: { stream: { chunks: [chunks.join('')], then: 'end' } } };
    }
    case 'noChoices':
      if (feature === 'discovery') return { fault: { body: { result: [{ name: 'fake' }], envelope: 'proxy-v2' } } };
      return stream([sse({ result: { text: 'Hello' }, envelope: 'proxy-v2' }), sse({ result: { text: '!' } }), sse('[DONE]')]);
    case 'errorEvent':
      if (feature === 'discovery') return { fault: { body: { error: { code: 500, message: 'slot 0 crashed', type: 'server_error' } } } };
      return stream([
        ...(feature === 'chat' ? [chatChunk('Partial ')] : [infillChunk('par')]),
        sse({ error: { code: 500, message: 'slot 0 crashed', type: 'server_error' } }),
      ]);
    case 'hugeErrorBody':
      return {
        fault: {
          status: 500,
          body: `upstream exploded: ${'<script'.repeat(40_000)}${'1,'.repeat(200_000)}${' in the messages'.repeat(10)}${'x'.repeat(300_000)}`,
        },
      };
    case 'crossOriginRedirect':
      return { fault: { redirect: `${otherOrigin}/` } };
    case 'refused':
    case 'dnsFailure':
    case 'killedMidStream':
      return { action: name };
  }
}

/** The route of a feature's requests: [method, path] for FakeServer.fault. */
export function routeOf(feature: Feature): [string, string | RegExp] {
  if (feature === 'chat') return ['POST', '/v1/chat/completions'];
  if (feature === 'completion') return ['POST', '/infill'];
  return ['GET', '*'];
}
