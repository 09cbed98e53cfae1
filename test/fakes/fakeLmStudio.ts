// A fake LM Studio: the REST API v0 (/api/v0/models with type, state and
// context lengths) and the OpenAI-compatible /v1/models. `legacy: true`
// drops /api/v0 (LM Studio before 0.3.6, or a proxy in front of it).
import type * as http from 'node:http';
import { FakeServer, type FakeRequest, type FakeServerOptions } from './fakeServer';

export interface FakeLmStudioModel {
  id: string;
  type?: 'llm' | 'vlm' | 'embeddings';
  state?: 'loaded' | 'not-loaded';
  maxContextLength?: number;
  /** Only on loaded models (newer LM Studio versions). */
  loadedContextLength?: number;
  arch?: string;
  publisher?: string;
  quantization?: string;
  compatibilityType?: 'gguf' | 'mlx';
  /** Newer LM Studio versions: e.g. `["tool_use"]`. */
  capabilities?: string[];
}

export interface FakeLmStudioOptions extends FakeServerOptions {
  models?: FakeLmStudioModel[];
  legacy?: boolean;
}

export const DEFAULT_LMSTUDIO_MODELS: FakeLmStudioModel[] = [
  { id: 'qwen2.5-coder-7b-instruct', type: 'llm', state: 'loaded', maxContextLength: 32768, loadedContextLength: 8192, arch: 'qwen2' },
  {
    id: 'meta-llama-3.1-8b-instruct',
    type: 'llm',
    state: 'not-loaded',
    maxContextLength: 131072,
    arch: 'llama',
    capabilities: ['tool_use'],
  },
  { id: 'qwen2-vl-7b-instruct', type: 'vlm', state: 'not-loaded', maxContextLength: 32768, arch: 'qwen2_vl', compatibilityType: 'mlx' },
  { id: 'text-embedding-nomic-embed-text-v1.5', type: 'embeddings', state: 'not-loaded', maxContextLength: 2048, arch: 'nomic-bert' },
];

export class FakeLmStudio extends FakeServer {
  models: FakeLmStudioModel[];

  constructor(options: FakeLmStudioOptions = {}) {
    super(options);
    this.models = options.models ?? DEFAULT_LMSTUDIO_MODELS;
    if (!options.legacy) {
      this.route('GET', '/api/v0/models', (_req, res) => this.json(res, { object: 'list', data: this.models.map((m) => this.v0(m)) }));
      this.route('GET', /^\/api\/v0\/models\/.+/, (req, res) => {
        const id = decodeURIComponent(req.path.slice('/api/v0/models/'.length));
        const m = this.models.find((x) => x.id === id);
        if (m) this.json(res, this.v0(m));
        else this.sendError(res, 404, `Model "${id}" not found`);
      });
    }
    this.route('GET', '/v1/models', (_req, res) =>
      this.json(res, { object: 'list', data: this.models.map((m) => ({ id: m.id, object: 'model', owned_by: 'organization_owner' })) }),
    );
  }

  override errorBody(_status: number, message: string): unknown {
    return { error: message };
  }

  protected override notFound(req: FakeRequest, res: http.ServerResponse): void {
    this.sendError(res, 404, `Unexpected endpoint or method. (${req.method} ${req.path})`);
  }

  private v0(m: FakeLmStudioModel): unknown {
    return {
      id: m.id,
      object: 'model',
      type: m.type ?? 'llm',
      publisher: m.publisher ?? 'lmstudio-community',
      arch: m.arch ?? 'qwen2',
      compatibility_type: m.compatibilityType ?? 'gguf',
      quantization: m.quantization ?? 'Q4_K_M',
      state: m.state ?? 'not-loaded',
      max_context_length: m.maxContextLength ?? 32768,
      ...(m.state === 'loaded' && m.loadedContextLength ? { loaded_context_length: m.loadedContextLength } : {}),
      ...(m.capabilities ? { capabilities: m.capabilities } : {}),
    };
  }
}

export function startLmStudio(options: FakeLmStudioOptions = {}): Promise<FakeLmStudio> {
  return new FakeLmStudio(options).start();
}
