// Reading servers' error bodies and Retry-After headers: the parsing half of
// errors.ts. Handles llama.cpp, Ollama, LM Studio, vLLM, OpenAI and plain text.
// Server text is hostile input: it is clipped before any pattern sees it, and
// every pattern here runs in time linear in its input (no nested or unbounded
// quantifiers that can backtrack over a long run).
import { parseServerJson } from './json';
import { clipText } from './limits';

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
    json = parseServerJson(text);
  } catch {
    const clipped = clipText(text);
    const plain = clipped.includes('<') ? stripTags(clipped) : clipped;
    const message = plain.replace(/\s+/g, ' ').trim();
    return message ? { message } : {};
  }
  const body = fromJson(json);
  return body.message === undefined ? body : { ...body, message: clipText(body.message) };
}

/**
 * Text of an HTML page: `<script>`/`<style>` elements dropped (an unclosed
 * one drops the rest), then tags. One pass over the text with indexOf.
 */
export function stripTags(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let at = 0;
  // The next `<script` / `<style` at or after `at` (found again only when passed: one scan each).
  let script = lower.indexOf('<script');
  let style = lower.indexOf('<style');
  for (;;) {
    if (script !== -1 && script < at) script = lower.indexOf('<script', at);
    if (style !== -1 && style < at) style = lower.indexOf('<style', at);
    const open = script === -1 ? style : style === -1 ? script : Math.min(script, style);
    if (open === -1) {
      out += html.slice(at);
      break;
    }
    out += html.slice(at, open) + ' ';
    const close = lower.indexOf(open === script ? '</script' : '</style', open);
    const end = close === -1 ? -1 : lower.indexOf('>', close);
    if (end === -1) break;
    at = end + 1;
  }
  // A tag is `<` … `>` without another `<` inside, so each character is looked at once.
  return out.replace(/<[^<>]*>/g, ' ');
}

function fromJson(json: unknown): ErrorBody {
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
  const m = clipText(body.message ?? '', 2000);
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
        /maximum context length is (\d[\d,]{0,15})/i,
        /available context size \((\d[\d,]{0,15})/i,
        /context length of only (\d[\d,]{0,15})/i,
        /context (?:length|window|size) (?:is |of )?(\d[\d,]{0,15})/i,
      ),
    nPrompt:
      body.nPromptTokens ??
      first(
        // A number is a digit then at most 15 digits or commas: a long run cannot make a pattern backtrack.
        /(\d[\d,]{0,15}) in the messages/i,
        /has (\d[\d,]{0,15}) input tokens/i,
        /resulted in (\d[\d,]{0,15}) tokens/i,
        /requested (\d[\d,]{0,15}) tokens/i,
        /request \((\d[\d,]{0,15}) tokens\)/i,
        /keep the first (\d[\d,]{0,15}) tokens/i,
      ),
  };
}

/** A quoted model name in a message like `model 'x' not found` or "The model `x` does not exist". */
export function modelFromMessage(message: string): string | undefined {
  const text = clipText(message, 1000);
  const hit = /model\s{0,4}["'`\u201c]([^"'`\u201c\u201d]{1,200})["'`\u201d]/i.exec(text) ?? /["'`]([^"'`]{1,200})["'`]/.exec(text);
  return hit?.[1];
}

/** Milliseconds from a Retry-After (or retry-after-ms) header: seconds or an HTTP date. */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms')?.slice(0, 40);
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = headers?.get('retry-after')?.slice(0, 100).trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
