// A fake Ollama: /api/version, /api/tags, /api/show (model_info with
// "<arch>.context_length" and capabilities), /api/ps (loaded models with the
// context they run with), /v1/models, and Ollama's error body
// `{"error":"…"}`. Generation routes are added by the tests that need them.
import type * as http from 'node:http';
import { FakeServer, sendText, type FakeRequest, type FakeServerOptions } from './fakeServer';

export interface FakeOllamaModel {
  /** Name with tag, e.g. `qwen2.5-coder:7b-base-q4_K_M`. */
  name: string;
  /** general.architecture; default 'qwen2'. */
  arch?: string;
  /** `<arch>.context_length`; default 32768. */
  contextLength?: number;
  /** Default ['completion', 'insert']. */
  capabilities?: string[];
  /** num_ctx in the Modelfile parameters, if any. */
  numCtx?: number;
  /** Loaded now, with this context (/api/ps `context_length`). */
  loadedContext?: number;
}

export interface FakeOllamaOptions extends FakeServerOptions {
  models?: FakeOllamaModel[];
  version?: string;
}

export const DEFAULT_OLLAMA_MODELS: FakeOllamaModel[] = [
  { name: 'qwen2.5-coder:7b-base-q4_K_M', arch: 'qwen2', contextLength: 32768, capabilities: ['completion', 'insert'] },
  { name: 'llama3.2:3b', arch: 'llama', contextLength: 131072, capabilities: ['completion', 'tools'], numCtx: 8192 },
  { name: 'nomic-embed-text:latest', arch: 'nomic-bert', contextLength: 2048, capabilities: ['embedding'] },
];

export class FakeOllama extends FakeServer {
  models: FakeOllamaModel[];
  version: string;

  constructor(options: FakeOllamaOptions = {}) {
    super(options);
    this.models = options.models ?? DEFAULT_OLLAMA_MODELS;
    this.version = options.version ?? '0.12.6';
    this.route('GET', '/', (_req, res) => sendText(res, 200, 'Ollama is running'));
    this.route('HEAD', '/', (_req, res) => sendText(res, 200, ''));
    this.route('GET', '/api/version', (_req, res) => this.json(res, { version: this.version }));
    this.route('GET', '/api/tags', (_req, res) => this.json(res, { models: this.models.map((m) => this.tag(m)) }));
    this.route('POST', '/api/show', (req, res) => this.show(req, res));
    this.route('GET', '/api/ps', (_req, res) =>
      this.json(res, {
        models: this.models
          .filter((m) => m.loadedContext)
          .map((m) => ({
            ...(this.tag(m) as object),
            expires_at: '2025-10-01T12:05:00.000000000+02:00',
            size_vram: 4683087332,
            context_length: m.loadedContext,
          })),
      }),
    );
    this.route('GET', '/v1/models', (_req, res) =>
      this.json(res, {
        object: 'list',
        data: this.models.map((m) => ({ id: m.name, object: 'model', created: 1730000000, owned_by: 'library' })),
      }),
    );
  }

  override errorBody(_status: number, message: string): unknown {
    return { error: message };
  }

  protected override notFound(_req: FakeRequest, res: http.ServerResponse): void {
    sendText(res, 404, '404 page not found');
  }

  find(name: string): FakeOllamaModel | undefined {
    const wanted = name.includes(':') ? name : `${name}:latest`;
    return this.models.find((m) => m.name === name || m.name === wanted);
  }

  private tag(m: FakeOllamaModel): unknown {
    return {
      name: m.name,
      model: m.name,
      modified_at: '2025-10-01T12:00:00.000000000+02:00',
      size: 4683087332,
      digest: 'dae161e27b0e90dd1856c8bb3209201fd6736d8eb66298e75ed87571486f4364',
      details: {
        parent_model: '',
        format: 'gguf',
        family: m.arch ?? 'qwen2',
        families: [m.arch ?? 'qwen2'],
        parameter_size: '7.6B',
        quantization_level: 'Q4_K_M',
      },
    };
  }

  private show(req: FakeRequest, res: http.ServerResponse): void {
    const body = (req.body ?? {}) as { model?: string; name?: string };
    const name = body.model ?? body.name ?? '';
    const m = this.find(name);
    if (!m) return this.sendError(res, 404, `model '${name}' not found`);
    const arch = m.arch ?? 'qwen2';
    this.json(res, {
      license: 'Apache License 2.0',
      modelfile: `FROM /models/blobs/sha256-x\nTEMPLATE "{{ .Prompt }}"`,
      parameters: [m.numCtx ? `num_ctx                        ${m.numCtx}` : '', 'stop                           "<|endoftext|>"']
        .filter(Boolean)
        .join('\n'),
      template: '{{ if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{ else }}{{ .Prompt }}{{ end }}',
      details: { parent_model: '', format: 'gguf', family: arch, families: [arch], parameter_size: '7.6B', quantization_level: 'Q4_K_M' },
      model_info: {
        'general.architecture': arch,
        'general.file_type': 15,
        'general.parameter_count': 7615616512,
        [`${arch}.attention.head_count`]: 28,
        [`${arch}.block_count`]: 28,
        [`${arch}.context_length`]: m.contextLength ?? 32768,
        [`${arch}.embedding_length`]: 3584,
      },
      capabilities: m.capabilities ?? ['completion', 'insert'],
      modified_at: '2025-10-01T12:00:00.000000000+02:00',
    });
  }
}

export function startOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  return new FakeOllama(options).start();
}
