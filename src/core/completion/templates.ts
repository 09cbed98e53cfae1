// Fill-in-the-middle prompt templates for the code model families Hearth
// knows, with the stop tokens each family ends a middle with. The strings are
// taken from each family's own documentation:
// - Qwen2.5-Coder / Qwen3-Coder: QwenLM README and examples/Qwen2.5-Coder-repolevel-fim.py
//   (`<|repo_name|>`, `<|file_sep|>path\n`, eos ids = fim/repo/file_sep/im_end/endoftext).
// - DeepSeek-Coder: deepseek-ai/DeepSeek-Coder README "code insertion" (full-width ｜ and ▁).
// - StarCoder2: arXiv 2402.19173 §5 (`<repo_name>name<file_sep>path\ncode…<fim_prefix>path\n…`).
// - CodeLlama: facebookresearch/codellama generation.py "<PRE> {pre} <SUF>{suf} <MID>", EOT.
// - Codestral: Ollama docs/template.md "[SUFFIX]{{ .Suffix }}[PREFIX] {{ .Prompt }}".
// - CodeGemma: ai.google.dev CodeGemma prompt structure, ends with <|file_separator|>.
import { FIM_FAMILIES, type FimFamily, isInstructModel, modelFamily } from '../servers/families';

export { FIM_FAMILIES, type FimFamily };

/** One file of extra context (llama.cpp `input_extra` shape). */
export interface ExtraChunk {
  filename: string;
  text: string;
}

export interface FimParts {
  prefix: string;
  suffix: string;
  /** Workspace-relative path of the file being edited. */
  filename?: string;
  /** Shown to families with a repository token (Qwen, StarCoder2). */
  repoName?: string;
  /** Other files, for families with file separators; ignored by the rest. */
  extra?: readonly ExtraChunk[];
}

export interface FimTemplate {
  /** A family name, or 'custom'. */
  id: FimFamily | 'custom';
  /** Human-readable, for the status bar / settings UI. */
  label: string;
  /** The template text with `{prefix}`, `{suffix}`, `{filename}` placeholders (shown to the user). */
  pattern: string;
  /** Tokens that end the middle; sent as `stop` to servers that apply a raw prompt. */
  stop: readonly string[];
  /** Whether `format` uses the file name / extra chunks. */
  repoLevel: boolean;
  format(parts: FimParts): string;
}

function fill(pattern: string, parts: FimParts): string {
  // One pass, so a `{suffix}` typed inside the prefix is never substituted again.
  return pattern.replace(/\{(prefix|suffix|filename)\}/g, (_, key: string) =>
    key === 'prefix' ? parts.prefix : key === 'suffix' ? parts.suffix : (parts.filename ?? ''),
  );
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

const QWEN_STOP = [
  '<|endoftext|>',
  '<|fim_prefix|>',
  '<|fim_suffix|>',
  '<|fim_middle|>',
  '<|fim_pad|>',
  '<|repo_name|>',
  '<|file_sep|>',
  '<|im_start|>',
  '<|im_end|>',
];

const qwen: FimTemplate = {
  id: 'qwen',
  label: 'Qwen2.5-Coder / Qwen3-Coder',
  pattern: '<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>',
  stop: QWEN_STOP,
  repoLevel: true,
  format(parts) {
    const fim = `<|fim_prefix|>${parts.prefix}<|fim_suffix|>${parts.suffix}<|fim_middle|>`;
    if (!parts.filename) return fim;
    let out = `<|repo_name|>${parts.repoName || 'workspace'}\n`;
    for (const chunk of parts.extra ?? []) out += `<|file_sep|>${chunk.filename}\n${withNewline(chunk.text)}`;
    return `${out}<|file_sep|>${parts.filename}\n${fim}`;
  },
};

const deepseek: FimTemplate = {
  id: 'deepseek',
  label: 'DeepSeek-Coder',
  pattern: '<｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>',
  stop: ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜end▁of▁sentence｜>', '<|EOT|>'],
  repoLevel: false,
  format(parts) {
    return `<｜fim▁begin｜>${parts.prefix}<｜fim▁hole｜>${parts.suffix}<｜fim▁end｜>`;
  },
};

const starcoder: FimTemplate = {
  id: 'starcoder',
  label: 'StarCoder2',
  pattern: '<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>',
  stop: ['<|endoftext|>', '<file_sep>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<repo_name>'],
  repoLevel: true,
  format(parts) {
    if (!parts.filename) return `<fim_prefix>${parts.prefix}<fim_suffix>${parts.suffix}<fim_middle>`;
    let out = `<repo_name>${parts.repoName || 'workspace'}`;
    for (const chunk of parts.extra ?? []) out += `<file_sep>${chunk.filename}\n${chunk.text}`;
    return `${out}<file_sep><fim_prefix>${parts.filename}\n${parts.prefix}<fim_suffix>${parts.suffix}<fim_middle>`;
  },
};

const codellama: FimTemplate = {
  id: 'codellama',
  label: 'Code Llama (7B/13B base)',
  pattern: '<PRE> {prefix} <SUF>{suffix} <MID>',
  stop: ['<EOT>', '<PRE>', '<SUF>', '<MID>', '</s>'],
  repoLevel: false,
  format(parts) {
    return `<PRE> ${parts.prefix} <SUF>${parts.suffix} <MID>`;
  },
};

const codestral: FimTemplate = {
  id: 'codestral',
  label: 'Codestral',
  pattern: '[SUFFIX]{suffix}[PREFIX] {prefix}',
  stop: ['[PREFIX]', '[SUFFIX]', '[MIDDLE]', '</s>'],
  repoLevel: false,
  format(parts) {
    return `[SUFFIX]${parts.suffix}[PREFIX] ${parts.prefix}`;
  },
};

const codegemma: FimTemplate = {
  id: 'codegemma',
  label: 'CodeGemma',
  pattern: '<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>',
  stop: ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<end_of_turn>', '<eos>'],
  repoLevel: false,
  format(parts) {
    return `<|fim_prefix|>${parts.prefix}<|fim_suffix|>${parts.suffix}<|fim_middle|>`;
  },
};

export const TEMPLATES: Readonly<Record<FimFamily, FimTemplate>> = {
  qwen,
  deepseek,
  starcoder,
  codellama,
  codestral,
  codegemma,
};

/** Every special token any known template may leak into a completion. */
export const KNOWN_SPECIAL_TOKENS: readonly string[] = [...new Set(FIM_FAMILIES.flatMap((f) => TEMPLATES[f].stop))];

export function isFimFamily(value: string): value is FimFamily {
  return (FIM_FAMILIES as readonly string[]).includes(value);
}

/** Why a custom template string cannot be used, or undefined when it is fine. */
export function customTemplateProblem(pattern: string): string | undefined {
  if (!pattern.includes('{prefix}')) return 'A custom FIM template must contain {prefix}.';
  if (!pattern.includes('{suffix}')) return 'A custom FIM template must contain {suffix}.';
  return undefined;
}

/**
 * A template from a user's string with `{prefix}`, `{suffix}` and optionally
 * `{filename}`. Stop tokens: the given ones, else every `<…>`/`[…]` token the
 * pattern itself contains (the model should not write them into the middle).
 */
export function customTemplate(pattern: string, stop?: readonly string[]): FimTemplate {
  const own = pattern.match(/<[|｜]?[^<>\s{}]+[|｜]?>|\[[A-Z_]+\]/g) ?? [];
  return {
    id: 'custom',
    label: 'Custom template',
    pattern,
    stop: stop && stop.length > 0 ? [...stop] : [...new Set(own)],
    repoLevel: pattern.includes('{filename}'),
    format: (parts) => fill(pattern, parts),
  };
}

export type TemplateSource = 'auto' | 'setting' | 'none';

export interface ResolvedTemplate {
  /** Undefined when no template could be chosen: the UI must say so, not guess. */
  template?: FimTemplate;
  source: TemplateSource;
  family?: FimFamily;
  /** One line for the UI: which template and why, or why none. */
  description: string;
  /** Set when the setting is invalid (the template then falls back to auto). */
  problem?: string;
}

/**
 * Chooses the FIM template for a model. `setting` is `auto` (or empty), a
 * family name, or a custom string with `{prefix}` and `{suffix}`. Never
 * guesses: when auto-detection finds no family the result has no template
 * and says so (the llama.cpp /infill backend does not need one).
 */
export function resolveTemplate(modelId: string, setting = 'auto', customStop?: readonly string[]): ResolvedTemplate {
  const value = setting.trim();
  let problem: string | undefined;
  if (value && value !== 'auto') {
    if (isFimFamily(value)) {
      const template = TEMPLATES[value];
      return { template, source: 'setting', family: value, description: `${template.label} (from settings)` };
    }
    if (value.includes('{')) {
      problem = customTemplateProblem(value);
      if (!problem) {
        return { template: customTemplate(value, customStop), source: 'setting', description: 'Custom template (from settings)' };
      }
    } else {
      problem = `Unknown FIM template "${value}": use auto, ${FIM_FAMILIES.join(', ')} or a string with {prefix} and {suffix}.`;
    }
  }
  const family = modelFamily(modelId);
  if (family) {
    const template = TEMPLATES[family];
    const caution = isInstructModel(modelId) ? '; an instruct model, a base model fills in the middle more reliably' : '';
    return { template, source: 'auto', family, description: `${template.label} (detected from "${modelId}"${caution})`, problem };
  }
  return {
    source: 'none',
    description: `No FIM template known for "${modelId}"; pick one in settings (hearth completion template).`,
    problem,
  };
}
