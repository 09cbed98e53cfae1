// Non-streamed chat answers (`stream: false`) the way each server sends them,
// and each server's rules for structured output:
// - llama.cpp, vLLM, OpenAI-compatible, LM Studio: one `chat.completion`
//   JSON with `choices[0].message`, `usage` (llama.cpp adds `timings`);
// - Ollama's /api/chat: one JSON object with `message`, `done: true`,
//   `done_reason` and its counts and durations (nanoseconds).
// What a server refuses is refused here with its status: LM Studio takes
// only `json_schema` (or `text`), vLLM needs a schema with `json_schema`,
// llama.cpp refuses a schema and a grammar together and unknown types,
// Ollama's `format` is "json" or a schema object. With `expectStructured`
// set, a request that does not ask the way that kind should is refused
// with a 400 naming what came — a test's assertion made by the fake itself.
import type * as http from 'node:http';
import type { ChatFlavor, ChatScript } from './chatRoutes';

/** How a request asked for structured output. */
export type StructuredAsk = 'json_schema' | 'json_object' | 'ollama_format' | 'ollama_json' | 'none';

/** What the body of a /v1/chat/completions or /api/chat request asks for. */
export function structuredAsk(body: any, ollamaApi: boolean): StructuredAsk {
  if (ollamaApi) {
    if (body?.format === 'json') return 'ollama_json';
    return typeof body?.format === 'object' && body.format !== null ? 'ollama_format' : 'none';
  }
  const type = body?.response_format?.type;
  return type === 'json_schema' || type === 'json_object' ? type : 'none';
}

/** The error a real server of this kind answers to the request's structured-output fields, or undefined when it takes them. */
export function refuseStructured(
  flavor: ChatFlavor,
  body: any,
  ollamaApi: boolean,
  expected?: StructuredAsk,
): { status: number; body: unknown } | undefined {
  const asked = structuredAsk(body, ollamaApi);
  if (expected && asked !== expected) {
    const message = `fake ${flavor}: expected structured output as ${expected}, got ${asked}: ${JSON.stringify(body?.response_format ?? body?.format ?? null)}`;
    return { status: 400, body: ollamaApi ? { error: message } : { error: { code: 400, message, type: 'invalid_request_error' } } };
  }
  if (ollamaApi) {
    if (body?.format !== undefined && asked === 'none')
      return { status: 400, body: { error: 'invalid format: expected "json" or a JSON schema' } };
    return undefined;
  }
  const rf = body?.response_format;
  if (rf === undefined) return undefined;
  const type = rf?.type;
  switch (flavor) {
    case 'llamacpp':
      if (type !== 'text' && type !== 'json_object' && type !== 'json_schema')
        return {
          status: 400,
          body: {
            error: {
              code: 400,
              message: `response_format type must be one of "text" or "json_object", but got: ${type}`,
              type: 'invalid_request_error',
            },
          },
        };
      if (type === 'json_schema' && body.grammar !== undefined)
        return {
          status: 400,
          body: {
            error: {
              code: 400,
              message: 'Either "json_schema" or "grammar" can be specified, but not both',
              type: 'invalid_request_error',
            },
          },
        };
      return undefined;
    case 'lmstudio':
      return type === 'json_schema' || type === 'text'
        ? undefined
        : { status: 400, body: { error: "'response_format.type' must be 'json_schema' or 'text'" } };
    case 'vllm':
      if (type === 'json_schema' && typeof rf.json_schema?.schema !== 'object')
        return {
          status: 400,
          body: {
            object: 'error',
            message: 'response_format.json_schema.schema is required',
            type: 'BadRequestError',
            param: null,
            code: 400,
          },
        };
      return undefined;
    default:
      return undefined;
  }
}

/** One non-streamed /v1/chat/completions answer in the flavor's shape. */
export function completionBody(flavor: ChatFlavor, script: ChatScript, body: any, reply: string, promptTokens: number): unknown {
  const model = script.model ?? (flavor === 'llamacpp' ? '/models/fake.gguf' : String(body.model ?? 'fake'));
  const completionTokens = Math.max(1, Math.ceil(reply.length / 4));
  const usage = { completion_tokens: completionTokens, prompt_tokens: promptTokens, total_tokens: completionTokens + promptTokens };
  const finish = script.finishReason ?? 'stop';
  const created = Math.floor(Date.now() / 1000);
  const id = `chatcmpl-${Math.random().toString(36).slice(2, 12)}`;
  const message: Record<string, unknown> = { role: 'assistant', content: reply };
  if (script.reasoning) message[flavor === 'ollama' ? 'reasoning' : 'reasoning_content'] = script.reasoning;
  if (flavor === 'llamacpp') {
    return {
      choices: [{ finish_reason: finish, index: 0, message }],
      created,
      model,
      system_fingerprint: 'b0000-fake',
      object: 'chat.completion',
      usage,
      id,
      timings: {
        cache_n: 0,
        prompt_n: promptTokens,
        prompt_ms: 5,
        predicted_n: completionTokens,
        predicted_ms: 20,
        predicted_per_second: completionTokens * 50,
      },
    };
  }
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    ...(flavor === 'ollama' ? { system_fingerprint: 'fp_ollama' } : {}),
    ...(flavor === 'lmstudio' ? { system_fingerprint: model } : {}),
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish, ...(flavor === 'vllm' ? { stop_reason: null } : {}) }],
    usage,
    ...(flavor === 'lmstudio' ? { stats: {} } : {}),
  };
}

/** One non-streamed Ollama /api/chat answer. */
export function ollamaChatBody(script: ChatScript, body: any, reply: string): unknown {
  const promptTokens = Math.ceil(JSON.stringify(body.messages).length / 4);
  const evalCount = Math.max(1, Math.ceil(reply.length / 4));
  return {
    model: String(body.model ?? ''),
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content: reply, ...(script.reasoning ? { thinking: script.reasoning } : {}) },
    done_reason: script.finishReason ?? 'stop',
    done: true,
    total_duration: 30e6,
    load_duration: 1e6,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: 5e6,
    eval_count: evalCount,
    eval_duration: 20e6,
  };
}

export function sendJsonBody(res: http.ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
