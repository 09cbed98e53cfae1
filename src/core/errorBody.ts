// Reading servers' error bodies and Retry-After headers: the parsing half of
// errors.ts. Handles llama.cpp, Ollama, LM Studio, vLLM, OpenAI and plain text.

/** The parts of an error body Hearth uses, from any server kind's shape. */
export interface ErrorBody {
  message?: string;
  type?: string;
  code?: string;
  nCtx?: number;
  nPromptTokens?: number;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Reads an error body: llama.cpp / OpenAI `{"error":{"message","type","code",…}}`,
 * Ollama / LM Studio `{"error":"…"}`, vLLM `{"object":"error","message",…}`,
 * FastAPI `{"detail":…}`, or plain text / HTML.
 */
export function parseErrorBody(text: string): ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const plain = text.includes('<') ? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ') : text;
    const message = plain.replace(/\s+/g, ' ').trim();
    return message ? { message } : {};
  }
  if (typeof json === 'string') return { message: json };
  if (typeof json !== 'object' || json === null) return {};
  const o = json as Record<string, unknown>;
  const inner = typeof o.error === 'object' && o.error !== null ? (o.error as Record<string, unknown>) : o;
  const detail = o.detail === undefined ? undefined : typeof o.detail === 'string' ? o.detail : JSON.stringify(o.detail);
  return {
    message: str(inner.message) ?? (typeof o.error === 'string' ? o.error : undefined) ?? detail ?? str(o.status),
    type: str(inner.type),
    code: str(inner.code),
    nCtx: num(inner.n_ctx),
    nPromptTokens: num(inner.n_prompt_tokens),
  };
}

const CONTEXT_TEXT =
  /exceeds? the available context size|maximum context length|context[_ ]length[_ ]exceeded|exceeds? (?:the )?(?:model'?s? )?context (?:length|window|size)|context length of only|prompt is too long|too many tokens/i;

export function isContextError(body: ErrorBody): boolean {
  return (
    body.type === 'exceed_context_size_error' ||
    body.code === 'context_length_exceeded' ||
    body.nCtx !== undefined ||
    CONTEXT_TEXT.test(body.message ?? '')
  );
}

/** n_ctx and prompt tokens from the fields (llama.cpp) or the wording (OpenAI, vLLM, LM Studio). */
export function contextNumbers(body: ErrorBody): { nCtx?: number; nPrompt?: number } {
  const m = body.message ?? '';
  const first = (...res: RegExp[]) => {
    for (const re of res) {
      const hit = re.exec(m);
      if (hit) return Number(hit[1].replace(/,/g, ''));
    }
    return undefined;
  };
  return {
    nCtx:
      body.nCtx ??
      first(
        /maximum context length is ([\d,]+)/i,
        /available context size \(([\d,]+)/i,
        /context length of only ([\d,]+)/i,
        /context (?:length|window|size) (?:is |of )?([\d,]+)/i,
      ),
    nPrompt:
      body.nPromptTokens ??
      first(
        /([\d,]+) in the messages/i,
        /has ([\d,]+) input tokens/i,
        /resulted in ([\d,]+) tokens/i,
        /requested ([\d,]+) tokens/i,
        /request \(([\d,]+) tokens\)/i,
        /keep the first ([\d,]+) tokens/i,
      ),
  };
}

/** A quoted model name in a message like `model 'x' not found` or "The model `x` does not exist". */
export function modelFromMessage(text: string): string | undefined {
  const hit = /model\s*["'`\u201c]([^"'`\u201d]+)["'`\u201d]/i.exec(text) ?? /["'`]([^"'`]+)["'`]/.exec(text);
  return hit?.[1];
}

/** Milliseconds from a Retry-After (or retry-after-ms) header: seconds or an HTTP date. */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
