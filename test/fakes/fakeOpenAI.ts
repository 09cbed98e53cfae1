// A fake vLLM or generic OpenAI-compatible server: /v1/models (vLLM adds
// max_model_len), vLLM's /version and /health, and either error shape:
// vLLM's `{"object":"error","message","type","param","code"}` or OpenAI's
// `{"error":{"message","type","param","code"}}`.
import type * as http from 'node:http';
import { FakeServer, sendJson, sendText, type FakeRequest, type FakeServerOptions } from './fakeServer';

export interface FakeOpenAIModel {
  id: string;
  /** vLLM's max_model_len. */
  maxModelLen?: number;
}

export interface FakeOpenAIOptions extends FakeServerOptions {
  /** 'vllm' (default) adds /version, /health and max_model_len. */
  flavor?: 'vllm' | 'openai';
  models?: FakeOpenAIModel[];
  /** Default: 'vllm' for the vllm flavour, 'openai' otherwise. */
  errorStyle?: 'vllm' | 'openai';
  version?: string;
}

const TYPES: Record<number, string> = {
  400: 'BadRequestError',
  401: 'Unauthorized',
  404: 'NotFoundError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

/** vLLM's error body (before it switched to OpenAI's shape). */
export function vllmError(status: number, message: string, type?: string): unknown {
  return { object: 'error', message, type: type ?? TYPES[status] ?? 'InternalServerError', param: null, code: status };
}

export function openaiError(status: number, message: string, type?: string, code: string | null = null): unknown {
  return { error: { message, type: type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), param: null, code } };
}

export class FakeOpenAI extends FakeServer {
  models: FakeOpenAIModel[];
  readonly flavor: 'vllm' | 'openai';
  errorStyle: 'vllm' | 'openai';

  constructor(options: FakeOpenAIOptions = {}) {
    super(options);
    this.flavor = options.flavor ?? 'vllm';
    this.errorStyle = options.errorStyle ?? (this.flavor === 'vllm' ? 'vllm' : 'openai');
    this.models = options.models ?? [{ id: 'Qwen/Qwen2.5-Coder-7B-Instruct', maxModelLen: 32768 }];
    this.route('GET', '/v1/models', (_req, res) => this.json(res, { object: 'list', data: this.models.map((m) => this.model(m)) }));
    if (this.flavor === 'vllm') {
      this.route('GET', '/version', (_req, res) => this.json(res, { version: options.version ?? '0.10.1' }));
      this.route('GET', '/health', (_req, res) => sendText(res, 200, ''));
    }
  }

  override errorBody(status: number, message: string, type?: string): unknown {
    return this.errorStyle === 'vllm' ? vllmError(status, message, type) : openaiError(status, message, type);
  }

  protected override isPublic(path: string): boolean {
    return this.flavor === 'vllm' && (path === '/health' || path === '/version');
  }

  protected override notFound(req: FakeRequest, res: http.ServerResponse): void {
    if (this.flavor === 'vllm') sendJson(res, 404, { detail: 'Not Found' });
    else sendJson(res, 404, openaiError(404, `Invalid URL (${req.method} ${req.path})`));
  }

  /** The 400 vLLM answers for a prompt longer than max_model_len. */
  contextExceededBody(nPrompt: number, maxLen: number): unknown {
    const message = `This model's maximum context length is ${maxLen} tokens. However, you requested ${nPrompt} tokens (${nPrompt - 16} in the messages, 16 in the completion). Please reduce the length of the messages or completion.`;
    return this.errorStyle === 'vllm'
      ? vllmError(400, message)
      : openaiError(400, message, 'invalid_request_error', 'context_length_exceeded');
  }

  private model(m: FakeOpenAIModel): unknown {
    const base = { id: m.id, object: 'model', created: 1730000000, owned_by: this.flavor === 'vllm' ? 'vllm' : 'system' };
    if (this.flavor !== 'vllm') return base;
    return { ...base, root: m.id, parent: null, max_model_len: m.maxModelLen ?? 32768, permission: [] };
  }
}

export function startOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  return new FakeOpenAI(options).start();
}

export function startVllm(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  return new FakeOpenAI({ ...options, flavor: 'vllm' }).start();
}
