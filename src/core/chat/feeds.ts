// The two ways a chat reply arrives, each read into the reply assembler and
// each bounded: server-sent events (OpenAI-compatible servers; or one JSON
// completion from a server that ignored `stream: true`) and Ollama's
// newline-delimited JSON. One event or line, and a non-streamed body, have a
// size limit; a stream that is not what it should be is reported, not
// dropped. Pure TypeScript.
import { tooLarge, unexpectedShape, type RequestFacts } from '../errors';
import { parseServerJson } from '../json';
import { formatSize, LIMITS } from '../limits';
import { createSseReader } from '../sse';
import { StreamGuard } from '../streamLimits';
import type { Logger } from '../types';
import { ollamaChunk } from './ollamaChat';
import type { ReplyAssembler } from './reply';

export interface Feed {
  /** Text as it arrives; throws a HearthError when a bound is passed or the stream cannot be read. */
  push(text: string): void;
  /** The body ended (with the decoder's last text). */
  end(tail: string): void;
}

export function sseFeed(reply: ReplyAssembler, log: Logger, ctx: RequestFacts, response: Response): Feed {
  const parser = createSseReader({
    maxEventChars: LIMITS.streamLineChars,
    onEvent: (event) => (event.event === 'error' ? reply.errorEvent(event.data) : reply.data(event.data)),
    onErrorField: (value) => reply.errorEvent(value),
    onUnreadable: (line) => {
      log.debug(`chat: ignored a stream line that is not SSE: ${line}`);
      reply.unreadableLine(line);
    },
    tooLarge: () => tooLarge(ctx, `one stream event over ${formatSize(LIMITS.streamLineChars)}`),
    notSse: (sample) => unexpectedShape(ctx, 'a stream that is not server-sent events', sample),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const isJson = contentType.includes('json') && !contentType.includes('event-stream');
  let jsonBody = '';
  return {
    push: (text) => {
      if (!isJson) return parser.feed(text);
      jsonBody += text;
      if (jsonBody.length > LIMITS.chatReplyChars) throw tooLarge(ctx, `an answer over ${formatSize(LIMITS.chatReplyChars)}`);
    },
    end: (tail) => {
      if (isJson) {
        // A server that ignored `stream: true` and answered with one JSON completion.
        log.warn('chat: the server answered without streaming');
        reply.data(jsonBody + tail);
        reply.done = true;
        return;
      }
      parser.feed(tail);
      parser.end();
    },
  };
}

/** Ollama's /api/chat lines, each converted to the chunk shape the assembler reads. */
export function ndjsonFeed(reply: ReplyAssembler, log: Logger, ctx: RequestFacts): Feed {
  const guard = new StreamGuard({ maxEventChars: LIMITS.streamLineChars }, () =>
    tooLarge(ctx, `one stream line over ${formatSize(LIMITS.streamLineChars)}`),
  );
  let buffer = '';
  const line = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    let json: unknown;
    try {
      json = parseServerJson(trimmed);
    } catch {
      log.warn(`chat: skipped a stream line that is not valid JSON: ${trimmed.slice(0, 200)}`);
      reply.unreadableLine(trimmed);
      return;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      reply.unreadableLine(trimmed);
      return;
    }
    reply.accept(ollamaChunk(json as Record<string, unknown>));
    if ((json as { done?: unknown }).done === true) reply.done = true;
  };
  return {
    push: (text) => {
      guard.feed(text);
      buffer += text;
      let start = 0;
      let nl: number;
      while ((nl = buffer.indexOf('\n', start)) >= 0) {
        line(buffer.slice(start, nl));
        start = nl + 1;
      }
      buffer = buffer.slice(start);
    },
    end: (tail) => line(buffer + tail),
  };
}
