// Typed `hearth.completion.*` settings, read through the one Config reader.
// A value of the wrong type falls back to its default and is logged once.
import type { Config } from '../config';
import type { RightOfCursor } from '../core/completion/excerpt';
import { DEFAULT_SETTINGS } from '../core/completion/options';

/** Languages with inline completion off unless the user turns them on. */
export const DEFAULT_ENABLE: Readonly<Record<string, boolean>> = { '*': true, plaintext: false, markdown: false, scminput: false };

export interface CompletionUserSettings {
  /** Per language id, with `*` for the rest. */
  enable: Record<string, boolean>;
  /** `auto`, a family name, or a custom pattern with {prefix} and {suffix}. */
  template: string;
  maxLines: number;
  maxTokens: number;
  prefixLines: number;
  suffixLines: number;
  debounceMinMs: number;
  debounceMaxMs: number;
  rightOfCursor: RightOfCursor;
  extraContext: boolean;
  /** llama.cpp sampler chain; undefined: the engine's default (top_k, top_p, infill). */
  samplers?: string[];
}

export const COMPLETION_DEFAULTS: CompletionUserSettings = {
  enable: { ...DEFAULT_ENABLE },
  template: 'auto',
  maxLines: DEFAULT_SETTINGS.maxLines,
  maxTokens: DEFAULT_SETTINGS.nPredict,
  prefixLines: DEFAULT_SETTINGS.prefixLines,
  suffixLines: DEFAULT_SETTINGS.suffixLines,
  debounceMinMs: 0,
  debounceMaxMs: 300,
  rightOfCursor: DEFAULT_SETTINGS.rightOfCursor,
  extraContext: true,
};

const RIGHT_OF_CURSOR: readonly RightOfCursor[] = ['closers', 'whitespace', 'any'];

function intIn(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

/** Reads every completion setting; `warn` hears about each invalid value. */
export function readCompletionSettings(config: Config, warn: (message: string) => void = () => undefined): CompletionUserSettings {
  const d = COMPLETION_DEFAULTS;
  const get = <T>(key: string, check: (v: unknown) => T | undefined, fallback: T): T => {
    const raw = config.read<unknown>(`completion.${key}`, fallback);
    const value = check(raw);
    if (value === undefined) {
      if (raw !== undefined && raw !== null)
        warn(`settings: hearth.completion.${key} has an invalid value ${JSON.stringify(raw)}; using ${JSON.stringify(fallback)}`);
      return fallback;
    }
    return value;
  };
  const enable = get('enable', parseEnable, d.enable);
  const min = get('debounceMinMs', (v) => intIn(v, 0, 5000), d.debounceMinMs);
  const max = get('debounceMaxMs', (v) => intIn(v, 0, 5000), d.debounceMaxMs);
  const samplers = config.read<unknown>('completion.samplers', null);
  const validSamplers =
    Array.isArray(samplers) && samplers.length > 0 && samplers.every((s) => typeof s === 'string') ? (samplers as string[]) : undefined;
  if (samplers !== null && samplers !== undefined && !validSamplers)
    warn(`settings: hearth.completion.samplers must be a non-empty list of sampler names; ignored`);
  return {
    enable,
    template: get('template', (v) => (typeof v === 'string' ? v.trim() || 'auto' : undefined), d.template),
    maxLines: get('maxLines', (v) => intIn(v, 1, 1000), d.maxLines),
    maxTokens: get('maxTokens', (v) => intIn(v, 1, 4096), d.maxTokens),
    prefixLines: get('prefixLines', (v) => intIn(v, 0, 10_000), d.prefixLines),
    suffixLines: get('suffixLines', (v) => intIn(v, 0, 10_000), d.suffixLines),
    debounceMinMs: Math.min(min, max),
    debounceMaxMs: Math.max(min, max),
    rightOfCursor: get(
      'rightOfCursor',
      (v) => (RIGHT_OF_CURSOR.includes(v as RightOfCursor) ? (v as RightOfCursor) : undefined),
      d.rightOfCursor,
    ),
    extraContext: get('extraContext', (v) => (typeof v === 'boolean' ? v : undefined), d.extraContext),
    samplers: validSamplers,
  };
}

/**
 * The user's map over the defaults: `{ "python": false }` keeps plaintext,
 * markdown and scminput off and everything else on.
 */
function parseEnable(value: unknown): Record<string, boolean> | undefined {
  if (typeof value === 'boolean') return { ...DEFAULT_ENABLE, '*': value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, boolean> = { ...DEFAULT_ENABLE };
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'boolean') return undefined;
    out[key] = v;
  }
  return out;
}

/** Whether completion is on for a language: its own entry, else `*`, else on. */
export function enabledFor(enable: Readonly<Record<string, boolean>>, languageId: string): boolean {
  return enable[languageId] ?? enable['*'] ?? true;
}
