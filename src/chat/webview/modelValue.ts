// The values of the composer's model list: a server and model pair, or the
// "Select Model…" entry. The entry's value cannot be a pair (a pair always
// holds the separator), so no server name — "pick" included — is mistaken for it.

/** A server and one of its models (the shape of the protocol's ModelRef). */
export interface ModelPair {
  server: string;
  model: string;
}

const SEP = '\u0000';
/** The value of the "Select Model…" entry. */
export const SELECT_MODEL = '\u0001select-model';

export function modelValue(ref: ModelPair): string {
  return `${ref.server}${SEP}${ref.model}`;
}

/** What an option's value stands for: a model, the "Select Model…" entry, or nothing (e.g. "Automatic"). */
export function parseModelValue(value: string): ModelPair | 'select' | undefined {
  if (value === SELECT_MODEL) return 'select';
  const at = value.indexOf(SEP);
  if (at <= 0 || at === value.length - 1) return undefined;
  return { server: value.slice(0, at), model: value.slice(at + 1) };
}
