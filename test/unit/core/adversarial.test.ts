// The extension host has one thread: no parser of what a server (or the
// webview) sends may take long on hostile input. Every parser gets 1 MB
// bodies built to make backtracking regular expressions, quadratic scans or
// JSON.parse suffer (and random mixtures of such fragments, from fast-check),
// and must return in under 50 ms. Time is the CPU time this process spent
// (best of four, after a full GC), so a busy shared machine does not make it
// flaky; the gap it guards against is 1,000-fold (an 80 KB error message
// took 15 s before; a run of `</think>` took 40 s in the think splitter).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseHostMessage, parseWebviewMessage } from '../../../src/core/chat/protocol';
import { ReplyAssembler } from '../../../src/core/chat/reply';
import { stripThink, ThinkSplitter } from '../../../src/core/chat/think';
import { repairConversation } from '../../../src/core/chat/historyRepair';
import { neutralizeMarkdown } from '../../../src/core/chat/exportMarkdown';
import { ndjsonLines, parseJson, sseEvents } from '../../../src/core/completion/backend';
import { contextNumbers, modelFromMessage, parseErrorBody, parseRetryAfter, stripTags } from '../../../src/core/errorBody';
import { errorFromResponse, serverText } from '../../../src/core/errors';
import { parseServerJson } from '../../../src/core/json';
import { LIMITS, quoteStart } from '../../../src/core/limits';
import { createSseReader } from '../../../src/core/sse';
import { redact } from '../../../src/core/redact';
import { StreamGuard } from '../../../src/core/streamLimits';
import { nullLogger } from '../../../src/core/types';
import { displayUrl } from '../../../src/core/url';

const MB = 1024 * 1024;
const LIMIT_MS = 50;

function fill(pattern: string, size = MB): string {
  return pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);
}

const BODIES: Record<string, string> = {
  'unclosed <script': fill('<script'),
  'unclosed <style then <script': `<style>${fill('<script>x</script')}`,
  'only <': fill('<'),
  'tags without >': fill('<a '),
  'digits and commas': fill('1,'),
  'digits before "in the messages"': `${fill('12,', MB - 20)} in the messages`,
  'model “ without a closing quote': fill('model \u201cxyz '),
  quotes: fill('"\''),
  whitespace: fill(' \t\n'),
  'Bearer runs': fill('Bearer '),
  'authorization runs': fill('authorization: '),
  'key= runs': fill('&api_key='),
  'JSON token fields': fill('"token":"'),
  '<think> runs': fill('<think>'),
  '</think> runs': fill('</think>'),
  'partial tags': fill('<thi'),
  'think pairs': fill('<think></think>'),
  'deep JSON arrays': fill('['),
  'deep JSON objects': fill('{"a":'),
  'a long JSON string': JSON.stringify({ error: { message: fill('x', MB - 40) } }),
  backticks: fill('`'),
  images: fill('![x](https://h/?d=1) '),
  'fence lines': fill('```\n'),
  'data: without a blank line': fill('data: x\n'),
  'bare CR': fill('\r'),
  letters: fill('a'),
  'user:pass@ urls': fill('http://u:p@h/'),
};

/** A full collection before each measurement (mocha runs with --expose-gc): earlier garbage is not billed here. */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function cpuMs(run: () => unknown): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function cpuMsAsync(run: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function responseOf(text: string): Response {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(at, at + 64 * 1024));
        at += 64 * 1024;
      },
    }),
  );
}

async function drain(items: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const _ of items) void _;
  } catch {
    // tooLarge or malformed: what matters here is how long it took
  }
}

const swallow =
  (run: (body: string) => unknown) =>
  (body: string): unknown => {
    try {
      return run(body);
    } catch {
      return undefined; // tooLarge or malformed: what matters here is how long it took
    }
  };

/** A parser, and (untimed) what it is given for a body: the text itself unless `prepare` says otherwise. */
interface Parser<T = unknown> {
  prepare?: (body: string) => T;
  run: (input: T) => unknown;
}

const timed = <T>(parser: Parser<T>): Parser => parser as Parser;
const asJsonChunk = (b: string) => JSON.stringify({ choices: [{ delta: { content: b } }] });

/** Every parser of server or webview text, as a function of one body. */
const PARSERS: Record<string, ((body: string) => unknown) | Parser> = {
  parseErrorBody: (b) => parseErrorBody(b),
  errorFromResponse: (b) => errorFromResponse(500, b, { server: { name: 's', kind: 'llamacpp', url: 'http://127.0.0.1:8080' } }),
  'errorFromResponse (JSON message)': (b) => errorFromResponse(400, JSON.stringify({ error: { message: b } }), {}),
  contextNumbers: (b) => contextNumbers({ message: b }),
  modelFromMessage: (b) => modelFromMessage(b),
  stripTags: (b) => stripTags(b),
  serverText: (b) => serverText(b),
  redact: (b) => redact(b, ['s3cr3t-value']),
  displayUrl: (b) => displayUrl(b),
  quoteStart: (b) => quoteStart(b),
  parseRetryAfter: timed({
    prepare: (b) => new Headers({ 'retry-after': b.replace(/[^\x21-\x7e]/g, 'x') }),
    run: (headers: Headers) => parseRetryAfter(headers),
  }),
  parseServerJson: swallow((b) => parseServerJson(b)),
  'completion parseJson': swallow((b) => parseJson(b, 'an event')),
  'ThinkSplitter (one chunk)': (b) => {
    const s = new ThinkSplitter();
    s.push(b);
    s.finish();
    return s.result();
  },
  'ThinkSplitter (1 KB chunks)': (b) => {
    const s = new ThinkSplitter();
    for (let i = 0; i < b.length; i += 1024) s.push(b.slice(i, i + 1024));
    s.finish();
    return s.result();
  },
  stripThink: (b) => stripThink(b),
  'chat ReplyAssembler.data': (b) => {
    const r = new ReplyAssembler('m', {}, nullLogger, () => undefined);
    r.data(b);
    r.finish();
    return r.result(false);
  },
  'chat ReplyAssembler.data (a chunk with the body as content)': timed({
    prepare: asJsonChunk,
    run: (chunk: string) => {
      const r = new ReplyAssembler('m', {}, nullLogger, () => undefined);
      r.data(chunk);
      r.finish();
      return r.result(false);
    },
  }),
  'chat ReplyAssembler.errorEvent': (b) => new ReplyAssembler('m', {}, nullLogger, () => undefined).errorEvent(b),
  'stream guard': swallow((b) => new StreamGuard({ maxEventChars: LIMITS.streamLineChars }, () => new Error('x')).feed(b)),
  'chat SSE reader': swallow((b) => {
    const reader = createSseReader({
      maxEventChars: LIMITS.streamLineChars,
      onEvent: () => undefined,
      onErrorField: () => undefined,
      tooLarge: () => new Error('too large'),
      notSse: () => new Error('not SSE'),
    });
    reader.feed(b);
    reader.end();
  }),
  'webview message (send)': (b) => parseWebviewMessage({ type: 'send', text: b, attachmentIds: b.slice(0, 100_000).split('') }),
  'host message (state with many conversations)': (b) =>
    parseHostMessage({
      type: 'state',
      state: {
        conversations: Array.from({ length: 5000 }, (_, i) => ({
          id: `c${i}`,
          title: b.slice(i, i + 200),
          created: 1,
          updated: 2,
          messageCount: 1,
        })),
        current: { id: 'c', title: 't', messages: [{ id: 'm', role: 'assistant', content: b }] },
        draft: '',
        models: [],
        attachments: [],
        includeCurrentFile: false,
        includeProblems: false,
        busy: false,
      },
    }),
  'history repair': (b) =>
    repairConversation(
      {
        id: 'x',
        title: b,
        created: 1,
        updated: 2,
        messages: Array.from({ length: 2000 }, (_, i) => ({ id: `m${i}`, role: 'user', content: b.slice(i, i + 500), stats: b })),
      },
      'x',
      1,
    ),
};

const STREAM_PARSERS: Record<string, { prepare: (body: string) => string; run: (text: string) => Promise<unknown> }> = {
  sseEvents: { prepare: (b) => b, run: (t) => drain(sseEvents(responseOf(t))) },
  'sseEvents (as data lines)': { prepare: (b) => b.replace(/^/gm, 'data: ').slice(0, MB), run: (t) => drain(sseEvents(responseOf(t))) },
  'sseEvents (as one event)': { prepare: (b) => `data: ${b.replace(/[\r\n]/g, ' ')}\n\n`, run: (t) => drain(sseEvents(responseOf(t))) },
  ndjsonLines: { prepare: (b) => b, run: (t) => drain(ndjsonLines(responseOf(t))) },
};

function best(times: number[]): number {
  return Math.min(...times);
}

describe('hostile input: every parser returns quickly on 1 MB adversarial bodies', function () {
  this.timeout(120_000);

  for (const [name, entry] of Object.entries(PARSERS)) {
    const parser: Parser = typeof entry === 'function' ? { run: entry as (input: unknown) => unknown } : entry;
    it(`${name}`, () => {
      const slow: string[] = [];
      for (const [bodyName, body] of Object.entries(BODIES)) {
        const input = parser.prepare ? parser.prepare(body) : body;
        collect();
        const ms = best([0, 1, 2, 3].map(() => cpuMs(() => parser.run(input))));
        if (ms >= LIMIT_MS) slow.push(`${bodyName}: ${ms.toFixed(1)} ms`);
      }
      assert.deepEqual(slow, [], `${name} took ${LIMIT_MS} ms or more`);
    });
  }

  for (const [name, parser] of Object.entries(STREAM_PARSERS)) {
    it(`${name}`, async () => {
      const slow: string[] = [];
      for (const [bodyName, body] of Object.entries(BODIES)) {
        const input = parser.prepare(body);
        collect();
        const times: number[] = [];
        for (let i = 0; i < 4; i++) times.push(await cpuMsAsync(() => parser.run(input)));
        if (best(times) >= LIMIT_MS) slow.push(`${bodyName}: ${best(times).toFixed(1)} ms`);
      }
      assert.deepEqual(slow, [], `${name} took ${LIMIT_MS} ms or more`);
    });
  }

  it('Export to Markdown: linear, and within 250 ms on 1 MB (a one-off action, not run per message)', () => {
    const slow: string[] = [];
    for (const [bodyName, body] of Object.entries(BODIES)) {
      const ms = best([0, 1, 2].map(() => cpuMs(() => neutralizeMarkdown(body))));
      if (ms >= 250) slow.push(`${bodyName}: ${ms.toFixed(1)} ms`);
      const half = best([0, 1, 2].map(() => cpuMs(() => neutralizeMarkdown(body.slice(0, MB / 2)))));
      if (ms > 4 * half + 20) slow.push(`${bodyName}: not linear (${half.toFixed(1)} ms for half, ${ms.toFixed(1)} ms for all)`);
    }
    assert.deepEqual(slow, []);
  });

  it('random mixtures of hostile fragments, for the text parsers', () => {
    const fragment = fc.constantFrom(
      '<script',
      '</script>',
      '<',
      '>',
      '1',
      ',',
      ' ',
      '\n',
      '"',
      '\u201c',
      'model ',
      'Bearer ',
      'key=',
      '<think>',
      '</think>',
      '[',
      '{',
      '`',
      '![',
      'data: ',
      'in the messages',
      'tokens',
    );
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 1, maxLength: 12 }), (parts) => {
        const body = fill(parts.join(''));
        collect();
        for (const name of [
          'parseErrorBody',
          'errorFromResponse',
          'redact',
          'ThinkSplitter (one chunk)',
          'stripThink',
          'chat ReplyAssembler.data',
        ]) {
          const run = PARSERS[name] as (b: string) => unknown;
          const ms = best([0, 1, 2].map(() => cpuMs(() => run(body))));
          assert.ok(ms < LIMIT_MS, `${name} on ${JSON.stringify(parts.join(''))}×: ${ms.toFixed(1)} ms`);
        }
      }),
      { numRuns: 20 },
    );
  });
});
