// How many tokens a text or a message costs on a model. llama.cpp counts
// exactly: /tokenize for text, and for a whole message /apply-template first
// (the chat template's markers cost tokens too). Other servers have no
// tokenizer endpoint, so the count is the chat budget's deliberately high
// estimate; so is llama.cpp's when its endpoints fail.
import { estimateTokens } from '../chat/budget';
import { isHearthError } from '../errors';
import type { ServerClient } from '../http';
import type { Logger } from '../types';
import type { OpenAIMessage } from './messages';

export interface TokenCountInput {
  /** Plain text, counted as it is. */
  text?: string;
  /** One whole message, counted as the chat template renders it. */
  message?: OpenAIMessage;
  /** The message's text, for the estimate. */
  estimateText?: string;
}

/** Each request's time to the first byte at most: a count must not hold up a chat. */
const COUNT_TIMEOUT_MS = 5000;

function tokenList(body: unknown): number | undefined {
  const tokens = typeof body === 'object' && body !== null ? (body as { tokens?: unknown }).tokens : undefined;
  return Array.isArray(tokens) ? tokens.length : undefined;
}

async function exact(
  client: Pick<ServerClient, 'json'>,
  model: string,
  input: TokenCountInput,
  signal?: AbortSignal,
): Promise<number | undefined> {
  let content = input.text;
  const opts = { signal, timeoutMs: COUNT_TIMEOUT_MS, quiet: true };
  if (input.message) {
    const rendered = await client.json<unknown>('/apply-template', {
      ...opts,
      body: { model, messages: [input.message], add_generation_prompt: false },
    });
    const prompt = typeof rendered === 'object' && rendered !== null ? (rendered as { prompt?: unknown }).prompt : undefined;
    if (typeof prompt !== 'string') return undefined;
    content = prompt;
  }
  if (content === undefined) return undefined;
  if (content === '') return 0;
  // Template markers in a rendered message are special tokens; in plain text they are text.
  const body = { model, content, add_special: false, parse_special: !!input.message };
  return tokenList(await client.json<unknown>('/tokenize', { ...opts, body }));
}

/**
 * The token count: exact on llama.cpp, else (and when llama.cpp's endpoints
 * fail) estimated. Throws only an 'aborted' HearthError.
 */
export async function countTokens(
  client: Pick<ServerClient, 'json'> & { server: { kind: string } },
  model: string,
  input: TokenCountInput,
  options: { signal?: AbortSignal; log?: Logger } = {},
): Promise<{ tokens: number; exact: boolean }> {
  if (client.server.kind === 'llamacpp') {
    try {
      const tokens = await exact(client, model, input, options.signal);
      if (tokens !== undefined) return { tokens, exact: true };
      options.log?.debug('token count: llama.cpp answered in an unexpected shape; estimated instead');
    } catch (err) {
      if (isHearthError(err, 'aborted')) throw err;
      options.log?.debug(`token count: llama.cpp could not count (${err instanceof Error ? err.message : String(err)}); estimated instead`);
    }
  }
  return { tokens: estimateTokens(input.estimateText ?? input.text ?? ''), exact: false };
}

/**
 * Exact counts already asked for, per model and input: VS Code's chat counts
 * every message of the conversation again for each request, and an agent's
 * conversation grows by a few messages a turn. Bounded; the oldest go first.
 */
export class TokenCountCache {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max = 2000) {}

  key(model: string, input: TokenCountInput): string {
    return JSON.stringify([model, input.text ?? null, input.message ?? null]);
  }

  get(key: string): number | undefined {
    return this.counts.get(key);
  }

  set(key: string, tokens: number): void {
    this.counts.delete(key);
    this.counts.set(key, tokens);
    while (this.counts.size > this.max) this.counts.delete(this.counts.keys().next().value as string);
  }

  get size(): number {
    return this.counts.size;
  }
}
