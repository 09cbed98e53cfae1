// Recognises code-model families that can fill in the middle (FIM) from a
// model id as servers report it: GGUF file names or paths (llama.cpp), Ollama
// tags (`qwen2.5-coder:7b-base-q4_K_M`), Hugging Face ids (`Qwen/Qwen2.5-Coder-1.5B`).

/** Families with a known FIM prompt format; the completion templates are keyed on these. */
export const FIM_FAMILIES = ['qwen', 'deepseek', 'starcoder', 'codellama', 'codestral', 'codegemma'] as const;
export type FimFamily = (typeof FIM_FAMILIES)[number];

export const FAMILY_LABELS: Record<FimFamily, string> = {
  qwen: 'Qwen Coder',
  deepseek: 'DeepSeek Coder',
  starcoder: 'StarCoder',
  codellama: 'Code Llama',
  codestral: 'Codestral',
  codegemma: 'CodeGemma',
};

const SEP = '[-_ .]?';

const RULES: { family: FimFamily; pattern: RegExp; unless?: RegExp }[] = [
  // Qwen2.5-Coder, Qwen3-Coder (qwen2.5-coder:7b, Qwen3-Coder-30B-A3B-Instruct, qwen2.5_coder…).
  { family: 'qwen', pattern: new RegExp(`qwen${SEP}(?:2\\.5|3)${SEP}coder`, 'i') },
  // DeepSeek-Coder v1 (deepseek-coder-6.7b-base) and v2 (DeepSeek-Coder-V2-Lite-Base).
  { family: 'deepseek', pattern: new RegExp(`deepseek${SEP}coder`, 'i') },
  // StarCoder, StarCoderBase, StarCoder2.
  { family: 'starcoder', pattern: new RegExp(`star${SEP}coder`, 'i') },
  // Code Llama: only the 7B and 13B models were trained to infill (not 34B or 70B).
  { family: 'codellama', pattern: new RegExp(`code${SEP}llama`, 'i'), unless: /(?:^|[^\d])(34|70)b/i },
  { family: 'codestral', pattern: /codestral/i },
  { family: 'codegemma', pattern: new RegExp(`code${SEP}gemma`, 'i') },
];

/** The last path segment for file paths (`/models/x/qwen2.5-coder-1.5b-q8_0.gguf`); the id otherwise. */
function nameOf(id: string): string {
  const trimmed = id.trim();
  if (/\.gguf$/i.test(trimmed) || trimmed.startsWith('/') || /^[a-z]:\\/i.test(trimmed)) {
    return trimmed.split(/[\\/]/).pop() ?? trimmed;
  }
  return trimmed;
}

/** The FIM family of a model id, or undefined when it is not a known FIM code model. */
export function modelFamily(id: string): FimFamily | undefined {
  const name = nameOf(id);
  for (const rule of RULES) {
    if (rule.pattern.test(name) && !(rule.unless && rule.unless.test(name))) return rule.family;
  }
  return undefined;
}

/** True for instruction-tuned / chat variants, which follow FIM prompts less reliably than base models. */
export function isInstructModel(id: string): boolean {
  return /instruct|[-_:.]it(?:[-_:.]|$)|chat/i.test(nameOf(id));
}
