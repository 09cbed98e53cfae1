// Reading server-sent events from what a server sends, bounded: eventsource-
// parser does the parsing; around it, an event longer than the cap is an
// error (whether it arrived in pieces or whole), a stream that is mostly not
// SSE (an HTML page, a proxy's own format) ends after a few such lines
// instead of costing an error object per line, and runs of blank lines are
// squeezed (they dispatch nothing, yet cost a parser step each). Used by the
// chat stream and by the completion backends. Pure TypeScript.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Lines that are not SSE (no known field) accepted before the stream is given up as unreadable. */
export const MAX_UNREADABLE_LINES = 64;

export interface SseOptions {
  maxEventChars: number;
  onEvent(event: EventSourceMessage): void;
  /** An `error: …` line (older llama.cpp builds report a failure that way). */
  onErrorField?(value: string): void;
  /** A line that is not SSE; `line` is its start. */
  onUnreadable?(line: string): void;
  /** The error thrown by `feed` when an event passes `maxEventChars`. */
  tooLarge(): Error;
  /** The error thrown by `feed` after MAX_UNREADABLE_LINES lines that are not SSE; `sample` is the first. */
  notSse(sample: string): Error;
}

export interface SseReader {
  /** Parses a chunk; throws `tooLarge()` or `notSse()` when the stream passes a bound. */
  feed(chunk: string): void;
  /** The stream ended: a last event without its blank line still counts. */
  end(): void;
}

export function createSseReader(o: SseOptions): SseReader {
  let overflow = false;
  let unreadable = 0;
  let sample = '';
  let failure: Error | undefined;
  const parser = createParser({
    maxBufferSize: o.maxEventChars,
    onEvent: (event) => {
      // An event that arrived whole in one chunk never sat in the parser's buffer: check it too.
      if (event.data.length > o.maxEventChars) overflow = true;
      else if (!overflow && !failure) o.onEvent(event);
    },
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') {
        overflow = true;
        return;
      }
      if (error.type === 'unknown-field' && error.field === 'error' && o.onErrorField) return o.onErrorField(error.value ?? '');
      const line = (error.line ?? error.field ?? '').slice(0, 200);
      if (unreadable === 0) sample = line;
      o.onUnreadable?.(line);
      // Throwing here stops the parser in the middle of the chunk: no error object per remaining line.
      if (++unreadable > MAX_UNREADABLE_LINES) throw (failure = o.notSse(sample));
    },
  });
  const check = () => {
    if (failure) throw failure;
    if (overflow) throw o.tooLarge();
  };
  return {
    feed(chunk) {
      check();
      parser.feed(chunk.replace(/(?:\r\n|\r|\n){3,}/g, '\n\n'));
      check();
    },
    end() {
      check();
      // A bare CR at the very end may still wait for its LF; the LF also ends a last line.
      parser.feed('\n');
      parser.reset({ consume: true });
      check();
    },
  };
}
