// A fake llama.cpp llama-server: /health, /v1/models, /props with the shapes
// a real server (build b11669) answers, its error body and its 503 "Loading
// model" state, and /infill's answer to a model without fill-in-the-middle
// tokens (501). Full streaming routes (/infill with a latency model,
// /v1/chat/completions) are added by the tests that need them (`mountFim`,
// `mountChat`, `route()`).
import type * as http from 'node:http';
import { FakeServer, startSse, writeSse, type FakeRequest, type FakeServerOptions } from './fakeServer';

export interface FakeLlamaCppOptions extends FakeServerOptions {
  /** The model id (llama.cpp reports the path or the --alias); default a GGUF path. */
  model?: string;
  /** Context per slot (`-c` divided by `-np`); default 2048. */
  nCtx?: number;
  /** `-np`; default 2. */
  slots?: number;
  nCtxTrain?: number;
  /** Answer 503 "Loading model" on every route. */
  loading?: boolean;
  /** False: the model has no FIM tokens and /infill answers 501 as llama.cpp does. Default true. */
  fim?: boolean;
  /** `chat_template_caps.supports_tools` in /props (a template that renders tools); default false. */
  tools?: boolean;
  /** `modalities.vision` in /props (a multimodal projector loaded); default false. */
  vision?: boolean;
}

/** llama.cpp's /infill message for a model without FIM tokens (build 11669). */
export const NO_FIM_MESSAGE =
  'Infill is not supported by this model: prefix token is missing. suffix token is missing. middle token is missing. ';

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  500: 'server_error',
  501: 'not_supported_error',
  503: 'unavailable_error',
};

/** llama.cpp's error body: `{"error":{"code","message","type"}}`. */
export function llamaError(status: number, message: string, type?: string): { error: Record<string, unknown> } {
  return { error: { code: status, message, type: type ?? TYPES[status] ?? 'server_error' } };
}

/** The 400 body for a prompt longer than the slot's context. */
export function llamaContextExceeded(nPrompt: number, nCtx: number): { error: Record<string, unknown> } {
  return {
    error: {
      code: 400,
      message: `request (${nPrompt} tokens) exceeds the available context size (${nCtx} tokens), try increasing it`,
      type: 'exceed_context_size_error',
      n_prompt_tokens: nPrompt,
      n_ctx: nCtx,
    },
  };
}

export class FakeLlamaCpp extends FakeServer {
  model: string;
  nCtx: number;
  slots: number;
  nCtxTrain: number;
  loading: boolean;
  fim: boolean;
  tools: boolean;
  vision: boolean;

  constructor(options: FakeLlamaCppOptions = {}) {
    super(options);
    this.model = options.model ?? '/models/qwen2.5-coder-1.5b-q8_0.gguf';
    this.nCtx = options.nCtx ?? 2048;
    this.slots = options.slots ?? 2;
    this.nCtxTrain = options.nCtxTrain ?? 32768;
    this.loading = options.loading ?? false;
    this.fim = options.fim ?? true;
    this.tools = options.tools ?? false;
    this.vision = options.vision ?? false;
    this.responseHeaders = { server: 'llama.cpp' };
    this.route('POST', '/infill', (_req, res) => this.infill(res));
    this.route('GET', '/health', (_req, res) => this.json(res, { status: 'ok' }));
    this.route('GET', '/v1/health', (_req, res) => this.json(res, { status: 'ok' }));
    this.route('GET', '/v1/models', (_req, res) => this.json(res, this.modelsBody()));
    this.route('GET', '/models', (_req, res) => this.json(res, this.modelsBody()));
    this.route('GET', '/props', (_req, res) => this.json(res, this.propsBody()));
  }

  /** A short streamed answer, or 501 for a model without FIM tokens. */
  private infill(res: http.ServerResponse): void {
    if (!this.fim) return this.sendError(res, 501, NO_FIM_MESSAGE, 'not_supported_error');
    startSse(res);
    writeSse(res, { content: 'x', stop: false });
    writeSse(res, { content: '', stop: true, stop_type: 'limit', timings: { prompt_n: 3, cache_n: 0, predicted_n: 1 } });
    res.end();
  }

  override errorBody(status: number, message: string, type?: string): unknown {
    return llamaError(status, message, type);
  }

  protected override isPublic(path: string): boolean {
    return path === '/health' || path === '/v1/health';
  }

  protected override notFound(_req: FakeRequest, res: http.ServerResponse): void {
    this.sendError(res, 404, 'File Not Found');
  }

  protected override intercept(_req: FakeRequest, res: http.ServerResponse): boolean {
    if (!this.loading) return false;
    this.sendError(res, 503, 'Loading model', 'unavailable_error');
    return true;
  }

  modelsBody(): unknown {
    const created = Math.floor(Date.now() / 1000);
    return {
      models: [
        {
          name: this.model,
          model: this.model,
          modified_at: '',
          size: '',
          digest: '',
          type: 'model',
          description: '',
          tags: [''],
          capabilities: ['completion'],
          parameters: '',
          details: { parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '', quantization_level: '' },
        },
      ],
      object: 'list',
      data: [
        {
          id: this.model,
          aliases: [this.model],
          tags: [],
          object: 'model',
          architecture: { input_modalities: ['text'], output_modalities: ['text'] },
          created,
          owned_by: 'llamacpp',
          meta: {
            vocab_type: 2,
            n_vocab: 151936,
            n_ctx: this.nCtx,
            n_ctx_train: this.nCtxTrain,
            n_embd: 1536,
            n_params: 1543714304,
            size: 1646415872,
            ftype: 'Q8_0',
          },
        },
      ],
    };
  }

  propsBody(): unknown {
    return {
      default_generation_settings: {
        params: {
          seed: 4294967295,
          temperature: 0.8,
          top_k: 40,
          top_p: 0.95,
          min_p: 0.05,
          n_predict: -1,
          stream: false,
          samplers: ['penalties', 'dry', 'top_k', 'typ_p', 'top_p', 'min_p', 'xtc', 'temperature'],
        },
        n_ctx: this.nCtx,
      },
      total_slots: this.slots,
      model_alias: this.model,
      model_path: this.model,
      modalities: { vision: this.vision, video: false, audio: false },
      endpoint_slots: true,
      endpoint_props: false,
      endpoint_metrics: false,
      chat_template: "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}",
      chat_template_caps: {
        supports_tools: this.tools,
        supports_tool_calls: this.tools,
        supports_parallel_tool_calls: this.tools,
        supports_system_role: true,
        supports_object_arguments: this.tools,
        supports_string_content: true,
        supports_typed_content: false,
        supports_preserve_reasoning: false,
        supports_reasoning_effort: false,
      },
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      build_info: 'b11669-Debian',
      is_sleeping: false,
    };
  }
}

export function startLlamaCpp(options: FakeLlamaCppOptions = {}): Promise<FakeLlamaCpp> {
  return new FakeLlamaCpp(options).start();
}
