import assert from 'node:assert/strict';
import { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, BadRequestError } from 'openai';
import { HearthError, classify, errorFromResponse, parseErrorBody, parseRetryAfter, type RequestFacts } from '../../../src/core/errors';
import type { ServerKind } from '../../../src/core/types';

const at = (kind: ServerKind, url: string, extra: Partial<RequestFacts> = {}): RequestFacts => ({
  server: { name: `${kind} box`, kind, url },
  ...extra,
});
const llama = at('llamacpp', 'http://127.0.0.1:8080');
const ollama = at('ollama', 'http://127.0.0.1:11434');
const vllm = at('vllm', 'http://127.0.0.1:8000');
const lmstudio = at('lmstudio', 'http://127.0.0.1:1234');

function netError(code: string, message = `connect ${code}`): TypeError {
  const cause = Object.assign(new Error(message), { code });
  return new TypeError('fetch failed', { cause });
}

describe('errors', () => {
  describe('parseErrorBody', () => {
    it('reads every kind of body', () => {
      assert.deepEqual(parseErrorBody('{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}'), {
        message: 'Loading model',
        type: 'unavailable_error',
        code: '503',
        nCtx: undefined,
        nPromptTokens: undefined,
      });
      assert.equal(parseErrorBody('{"error":"model \'x\' not found"}').message, "model 'x' not found");
      assert.equal(
        parseErrorBody('{"object":"error","message":"The model `m` does not exist.","type":"NotFoundError","param":null,"code":404}').type,
        'NotFoundError',
      );
      assert.equal(parseErrorBody('{"detail":"Not Found"}').message, 'Not Found');
      assert.equal(parseErrorBody('404 page not found').message, '404 page not found');
      assert.equal(
        parseErrorBody('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>').message,
        '502 Bad Gateway 502 Bad Gateway',
      );
      assert.deepEqual(parseErrorBody(''), {});
    });
  });

  describe('errorFromResponse', () => {
    it('401 says the key is missing or wrong, with Set API Key', () => {
      const e = errorFromResponse(401, '{"error":{"message":"Invalid API Key","type":"authentication_error","code":401}}', llama);
      assert.equal(e.code, 'unauthorized');
      assert.equal(e.message, 'llama.cpp at http://127.0.0.1:8080 rejected the request (401): the API key is missing or wrong.');
      assert.deepEqual(e.actions, ['setApiKey', 'showLog']);
      assert.equal(e.serverName, 'llamacpp box');
      assert.equal(
        errorFromResponse(401, '', { ...llama, hasKey: false }).message,
        'llama.cpp at http://127.0.0.1:8080 rejected the request (401): it needs an API key. Set one for this server.',
      );
      assert.equal(errorFromResponse(403, 'forbidden', vllm).code, 'unauthorized');
    });

    it('404 about a model names the model and the server', () => {
      const e = errorFromResponse(404, '{"error":"model \'qwen2.5-coder:7b\' not found"}', ollama);
      assert.equal(e.code, 'modelNotFound');
      assert.equal(e.message, 'Ollama at http://127.0.0.1:11434 has no model "qwen2.5-coder:7b".');
      assert.equal(e.model, 'qwen2.5-coder:7b');
      assert.deepEqual(e.actions, ['selectModel', 'showLog']);
      const v = errorFromResponse(
        404,
        '{"object":"error","message":"The model `Qwen/X` does not exist.","type":"NotFoundError","param":null,"code":404}',
        { ...vllm, model: 'Qwen/X' },
      );
      assert.equal(v.message, 'vLLM at http://127.0.0.1:8000 has no model "Qwen/X".');
      const lm = errorFromResponse(
        400,
        '{"error":{"message":"No model found","type":"invalid_request_error","param":"model","code":"model_not_found"}}',
        { ...lmstudio, model: 'm' },
      );
      assert.equal(lm.code, 'modelNotFound');
    });

    it('404 on a route means a wrong endpoint, not a model', () => {
      const e = errorFromResponse(404, '{"error":{"message":"File Not Found","type":"not_found_error","code":404}}', {
        ...llama,
        path: '/api/tags',
      });
      assert.equal(e.code, 'notFound');
      assert.match(
        e.message,
        /^llama\.cpp at http:\/\/127\.0\.0\.1:8080 has no endpoint \/api\/tags \(404\)\. Check that the server kind and URL/,
      );
      assert.equal(
        errorFromResponse(501, '{"error":{"code":501,"message":"This server does not support infill.","type":"not_supported_error"}}', {
          ...llama,
          path: '/infill',
        }).code,
        'notFound',
      );
    });

    it("/infill's 501 for a model without FIM tokens says so, not that the URL is wrong", () => {
      const body = JSON.stringify({
        error: {
          code: 501,
          message: 'Infill is not supported by this model: prefix token is missing. suffix token is missing. middle token is missing. ',
          type: 'not_supported_error',
        },
      });
      const e = errorFromResponse(501, body, { ...llama, path: '/infill', model: 'qwen2.5-1.5b-instruct.gguf' });
      assert.equal(e.code, 'notFound');
      assert.equal(
        e.message,
        'llama.cpp at http://127.0.0.1:8080 cannot complete code with "qwen2.5-1.5b-instruct.gguf": this model has no fill-in-the-middle tokens; load a code base model.',
      );
      assert.deepEqual(e.actions, ['selectModel', 'showLog']);
      const metrics = errorFromResponse(
        501,
        '{"error":{"code":501,"message":"This server does not support metrics.","type":"not_supported_error"}}',
        {
          ...llama,
          path: '/metrics',
        },
      );
      assert.match(metrics.message, /does not support \/metrics \(501\)/);
    });

    it('503 Loading model is loading, with Retry', () => {
      const e = errorFromResponse(503, '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}', llama);
      assert.equal(e.code, 'loading');
      assert.equal(e.message, 'llama.cpp at http://127.0.0.1:8080 is still loading its model; try again in a moment.');
      assert.deepEqual(e.actions, ['retry']);
      assert.equal(errorFromResponse(503, 'Service Unavailable', vllm).code, 'server');
    });

    it('400 exceed_context_size_error carries n_ctx and n_prompt_tokens', () => {
      const body =
        '{"error":{"code":400,"message":"request (5000 tokens) exceeds the available context size (2048 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":2048}}';
      const e = errorFromResponse(400, body, { ...llama, model: 'qwen' });
      assert.equal(e.code, 'contextExceeded');
      assert.equal(e.nCtx, 2048);
      assert.equal(e.nPromptTokens, 5000);
      assert.match(
        e.message,
        /^The prompt \(5,000 tokens\) does not fit the context of 2,048 tokens for "qwen" on llama\.cpp at http:\/\/127\.0\.0\.1:8080\. .*--ctx-size/,
      );
    });

    it('reads context errors worded by OpenAI, vLLM and LM Studio', () => {
      const openai = errorFromResponse(
        400,
        JSON.stringify({
          error: {
            message:
              "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        }),
        at('openai', 'https://api.example.com'),
      );
      assert.deepEqual([openai.code, openai.nCtx, openai.nPromptTokens], ['contextExceeded', 8192, 9000]);
      const v = errorFromResponse(
        400,
        JSON.stringify({
          object: 'error',
          message:
            "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4984 in the messages, 16 in the completion). Please reduce the length of the messages or completion.",
          type: 'BadRequestError',
          param: null,
          code: 400,
        }),
        vllm,
      );
      assert.deepEqual([v.code, v.nCtx, v.nPromptTokens], ['contextExceeded', 4096, 4984]);
      assert.match(v.message, /--max-model-len/);
      const newer = errorFromResponse(
        400,
        JSON.stringify({
          error: {
            message:
              "This model's maximum context length is 4096 tokens. However, your request has 6000 input tokens. Please reduce the length of the input messages.",
            type: 'BadRequestError',
            param: null,
            code: 400,
          },
        }),
        vllm,
      );
      assert.deepEqual([newer.nCtx, newer.nPromptTokens], [4096, 6000]);
      const lm = errorFromResponse(
        400,
        JSON.stringify({
          error:
            'Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input',
        }),
        lmstudio,
      );
      assert.deepEqual([lm.code, lm.nCtx, lm.nPromptTokens], ['contextExceeded', 4096, 5000]);
    });

    it('429 is rateLimited with Retry-After in ms', () => {
      const e = errorFromResponse(
        429,
        '{"error":{"message":"slow down"}}',
        at('openai', 'https://api.example.com'),
        new Headers({ 'retry-after': '2' }),
      );
      assert.equal(e.code, 'rateLimited');
      assert.equal(e.retryAfterMs, 2000);
    });

    it('5xx shows the status and the first 300 characters of the server message', () => {
      const long = 'x'.repeat(500);
      const e = errorFromResponse(500, JSON.stringify({ error: { code: 500, message: `boom ${long}`, type: 'server_error' } }), llama);
      assert.equal(e.code, 'server');
      assert.match(e.message, /^llama\.cpp at http:\/\/127\.0\.0\.1:8080 failed with an internal error \(500\): boom x+…$/);
      assert.ok(e.message.length < 300 + 100);
      assert.equal(e.status, 500);
    });

    it('other 4xx are badRequest with the server message', () => {
      const e = errorFromResponse(
        400,
        '{"error":{"code":400,"message":"[json.exception.parse_error.101] parse error","type":"invalid_request_error"}}',
        llama,
      );
      assert.equal(e.code, 'badRequest');
      assert.equal(
        e.message,
        'llama.cpp at http://127.0.0.1:8080 rejected the request (400): [json.exception.parse_error.101] parse error',
      );
    });
  });

  describe('parseRetryAfter', () => {
    it('reads seconds, milliseconds and HTTP dates', () => {
      const now = Date.parse('2025-01-01T00:00:00Z');
      assert.equal(parseRetryAfter(new Headers({ 'retry-after': '3' }), now), 3000);
      assert.equal(parseRetryAfter(new Headers({ 'retry-after': '0.5' }), now), 500);
      assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
      assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:04 GMT' }), now), 4000);
      assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now), undefined);
      assert.equal(parseRetryAfter(new Headers(), now), undefined);
    });
  });

  describe('classify', () => {
    it('maps undici network errors by code', () => {
      const cases: [unknown, string, RegExp][] = [
        [netError('ECONNREFUSED'), 'refused', /^llama\.cpp at http:\/\/127\.0\.0\.1:8080 is not running \(connection refused\)\.$/],
        [netError('ENOTFOUND'), 'unreachable', /cannot be reached: host "127\.0\.0\.1" not found/],
        [netError('EAI_AGAIN'), 'unreachable', /not found/],
        [netError('EHOSTUNREACH'), 'unreachable', /no route to the host/],
        [netError('ENETUNREACH'), 'unreachable', /no route to the host/],
        [netError('UND_ERR_CONNECT_TIMEOUT'), 'timeout', /did not answer in time/],
        [netError('ECONNRESET'), 'unreachable', /closed the connection without answering/],
        [netError('UND_ERR_SOCKET', 'other side closed'), 'unreachable', /closed the connection without answering/],
        [netError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'unreachable', /TLS certificate/],
        [
          new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }),
          'malformed',
          /closed the connection in the middle of its answer/,
        ],
        [new TypeError('fetch failed', { cause: new Error('bad port') }), 'unreachable', /blocked port/],
        [new DOMException('This operation was aborted', 'AbortError'), 'aborted', /^Request cancelled\.$/],
        [new DOMException('timed out', 'TimeoutError'), 'timeout', /did not answer/],
        [new SyntaxError('Unexpected token'), 'malformed', /not valid JSON/],
        [new Error('weird'), 'internal', /unexpected problem/],
        ['a string', 'internal', /unexpected problem/],
      ];
      for (const [err, code, message] of cases) {
        const e = classify(err, llama);
        assert.equal(e.code, code, String(err));
        assert.match(e.message, message);
        assert.ok(!e.message.includes('fetch failed') && !/at .*\.js:\d+/.test(e.message), 'no raw exception text');
      }
    });

    it('reads the code of an AggregateError (happy eyeballs)', () => {
      const agg = Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'x'), {});
      assert.equal(classify(new TypeError('fetch failed', { cause: agg }), llama).code, 'refused');
    });

    it('uses the timeout in the message and prefers it when our timer fired', () => {
      const e = classify(new DOMException('aborted', 'AbortError'), { ...llama, timedOut: true, timeoutMs: 1500 });
      assert.equal(e.code, 'timeout');
      assert.equal(e.message, 'llama.cpp at http://127.0.0.1:8080 did not answer within 1.5 s.');
    });

    it('maps openai SDK errors', () => {
      assert.equal(classify(new APIUserAbortError(), llama).code, 'aborted');
      assert.equal(classify(new APIConnectionTimeoutError(), llama).code, 'timeout');
      assert.equal(classify(new APIConnectionError({ cause: netError('ECONNREFUSED') }), llama).code, 'refused');
      const bad = new BadRequestError(
        400,
        {
          code: 400,
          message: 'request (9 tokens) exceeds the available context size (4 tokens)',
          type: 'exceed_context_size_error',
          n_ctx: 4,
          n_prompt_tokens: 9,
        },
        undefined,
        new Headers(),
      );
      const e = classify(bad, llama);
      assert.deepEqual([e.code, e.nCtx, e.nPromptTokens], ['contextExceeded', 4, 9]);
    });

    it('passes HearthErrors through', () => {
      const e = new HearthError('loading', 'x');
      assert.equal(classify(e), e);
      assert.deepEqual(e.actions, ['retry']);
    });
  });
});
