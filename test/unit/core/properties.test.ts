// Property-based tests (fast-check) of the code that reads what servers and
// the webview send: the SSE and NDJSON stream readers (any chunking, bytes
// split inside a UTF-8 character), the think-tag splitter, the error-body
// parser, redaction, and the webview protocol validators.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ndjsonLines, sseEvents } from '../../../src/core/completion/backend';
import { ThinkSplitter, stripThink } from '../../../src/core/chat/think';
import { parseHostMessage, parseWebviewMessage, type HostToWebview, type WebviewToHost } from '../../../src/core/chat/protocol';
import { parseErrorBody } from '../../../src/core/errorBody';
import { redact } from '../../../src/core/redact';

/** A Response whose body arrives as these byte chunks. */
function responseOf(chunks: Uint8Array[]): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
  return new Response(body);
}

/** `bytes` cut at the given (sorted, deduplicated) offsets: cuts may fall inside a multi-byte character. */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    if (p > at) out.push(bytes.subarray(at, p));
    at = Math.max(at, p);
  }
  return out;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const text = fc.string({ unit: 'binary', maxLength: 40 });
const offsets = fc.array(fc.nat(), { maxLength: 12 });
const RUNS = { numRuns: 200 };

describe('properties', () => {
  describe('SSE reader', () => {
    it('yields the same events however the bytes are chunked, with any line ending, UTF-8 split anywhere', async () => {
      const event = fc.array(
        text.map((t) => t.replace(/[\r\n]/g, ' ')),
        { minLength: 1, maxLength: 3 },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(event, { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), offsets, async (events, eol, cuts) => {
          const wire = events.map((lines) => lines.map((l) => `data: ${l}${eol}`).join('') + eol).join('');
          const got = await all(sseEvents(responseOf(cut(new TextEncoder().encode(wire), cuts))));
          assert.deepEqual(
            got,
            events.map((lines) => lines.join('\n')),
          );
        }),
        RUNS,
      );
    });

    it('ignores comments and unknown fields, and never yields more than was sent', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              text.map((t) => `: ${t.replace(/[\r\n]/g, '')}\n`),
              fc.constant('retry: 10\n'),
              fc.constant('data: x\n\n'),
            ),
          ),
          offsets,
          async (parts, cuts) => {
            const wire = parts.join('');
            const got = await all(sseEvents(responseOf(cut(new TextEncoder().encode(wire), cuts))));
            assert.equal(got.length, parts.filter((p) => p === 'data: x\n\n').length);
          },
        ),
        RUNS,
      );
    });
  });

  describe('NDJSON reader', () => {
    it('yields the same objects however the bytes are chunked', async () => {
      const object = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(text, fc.integer(), fc.boolean()), {
        maxKeys: 4,
        noNullPrototype: true,
      });
      await fc.assert(
        fc.asyncProperty(fc.array(object, { maxLength: 8 }), fc.boolean(), offsets, async (objects, finalNewline, cuts) => {
          const wire = objects.map((o) => JSON.stringify(o)).join('\n') + (finalNewline ? '\n' : '');
          const got = await all(ndjsonLines(responseOf(cut(new TextEncoder().encode(wire), cuts))));
          assert.deepEqual(got, objects);
        }),
        RUNS,
      );
    });
  });

  describe('think splitter', () => {
    const piece = fc.oneof(
      { weight: 3, arbitrary: text },
      { weight: 1, arbitrary: fc.constantFrom('<think>', '</think>', '<thi', 'nk>', '</', 'think>', '<', '>') },
    );
    const chunked = (s: string, cuts: number[]): string[] => {
      const points = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((a, b) => a - b);
      const out: string[] = [];
      let at = 0;
      for (const p of [...points, s.length]) {
        out.push(s.slice(at, p));
        at = p;
      }
      return out;
    };
    const run = (chunks: string[]) => {
      const s = new ThinkSplitter();
      let content = '';
      let reasoning = '';
      for (const c of chunks) {
        const d = s.push(c);
        content += d.content;
        reasoning += d.reasoning;
      }
      const end = s.finish();
      return { streamed: { content: content + end.content, reasoning: reasoning + end.reasoning }, result: s.result(), end };
    };

    it('gives the same split however the text is chunked', () => {
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 12 }), offsets, (pieces, cuts) => {
          const whole = pieces.join('');
          assert.deepEqual(run(chunked(whole, cuts)).result, run([whole]).result);
          assert.equal(stripThink(whole), run([whole]).result.content);
        }),
        RUNS,
      );
    });

    it('streams exactly what the result holds unless a late </think> reclassifies, and loses no text', () => {
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 12 }), offsets, (pieces, cuts) => {
          const whole = pieces.join('');
          const { streamed, result, end } = run(chunked(whole, cuts));
          if (!end.reclassified) assert.deepEqual(streamed, result);
          // Only whitespace and the tags it acted on go: a tag inside a block (or an orphan) may stay as text.
          const kept = (result.reasoning + result.content).replace(/\s/g, '').length;
          const withoutTags = whole.replace(/<\/?think>/g, '').replace(/\s/g, '').length;
          const all = whole.replace(/\s/g, '').length;
          assert.ok(kept >= withoutTags && kept <= all, `${JSON.stringify(whole)} → ${JSON.stringify(result)}`);
        }),
        RUNS,
      );
    });

    it('splits <think>r</think>c into reasoning r and answer c', () => {
      const plain = text.filter((t) => !/<\/?think>/.test(t) && !t.includes('<'));
      fc.assert(
        fc.property(plain, plain, offsets, (r, c, cuts) => {
          const { result } = run(chunked(`<think>${r}</think>${c}`, cuts));
          assert.equal(result.reasoning, r.replace(/^\s+/, ''));
          assert.equal(result.content, c.replace(/^\s+/, ''));
        }),
        RUNS,
      );
    });
  });

  describe('error bodies and redaction', () => {
    it('reads the message of any JSON error body, and never throws on any text', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('llama', 'ollama', 'vllm', 'text'), (m, shape) => {
          const body =
            shape === 'llama'
              ? JSON.stringify({ error: { code: 500, message: m, type: 'server_error' } })
              : shape === 'ollama'
                ? JSON.stringify({ error: m })
                : shape === 'vllm'
                  ? JSON.stringify({ object: 'error', message: m })
                  : m;
          const parsed = parseErrorBody(body);
          if (shape !== 'text') assert.equal(parsed.message, m);
          else assert.ok(parsed.message === undefined || parsed.message.length <= 16 * 1024);
        }),
        RUNS,
      );
    });

    it('never lets a known secret through, wherever it appears', () => {
      const secret = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 6, maxLength: 20 });
      fc.assert(
        fc.property(secret, text, text, (s, before, after) => {
          const out = redact(`${before}${s}${after} Bearer ${s} ?api_key=${s}`, [s]);
          assert.ok(!out.includes(s), out);
        }),
        RUNS,
      );
    });
  });

  describe('webview protocol validators', () => {
    const id = fc.string({ minLength: 1, maxLength: 12 });
    const webview: fc.Arbitrary<WebviewToHost> = fc.oneof(
      fc.record({ type: fc.constant('send' as const), text: fc.string(), attachmentIds: fc.array(id) }),
      fc.record({ type: fc.constant('editResend' as const), messageId: id, text: fc.string() }),
      fc.record({ type: fc.constant('insertCode' as const), code: fc.string(), language: fc.option(fc.string(), { nil: undefined }) }),
      fc.record({ type: fc.constant('action' as const), id, messageId: fc.option(id, { nil: undefined }) }),
      fc.record({ type: fc.constant('toggleProblems' as const), on: fc.boolean() }),
      fc.constant({ type: 'ready' as const }),
    );
    const host: fc.Arbitrary<HostToWebview> = fc.oneof(
      fc.record({ type: fc.constant('delta' as const), messageId: id, content: fc.option(fc.string(), { nil: undefined }) }),
      fc.record({
        type: fc.constant('done' as const),
        messageId: id,
        content: fc.string(),
        stats: fc.record({ model: fc.string(), completionTokens: fc.option(fc.nat(), { nil: undefined }), stopped: fc.boolean() }),
      }),
      fc.record({ type: fc.constant('error' as const), message: fc.string(), actions: fc.array(fc.record({ id, label: fc.string() })) }),
      fc.record({ type: fc.constant('draft' as const), text: fc.string() }),
    );

    it('accept every well-formed message as it is', () => {
      fc.assert(
        fc.property(webview, (m) => assert.equal(parseWebviewMessage(m), m)),
        RUNS,
      );
      fc.assert(
        fc.property(host, (m) => assert.equal(parseHostMessage(m), m)),
        RUNS,
      );
    });

    it('refuse a message with a required field removed or of the wrong type', () => {
      const broken = (m: Record<string, unknown>, key: string, value: unknown) => ({ ...m, [key]: value });
      fc.assert(
        fc.property(webview, fc.anything(), (m, junk) => {
          const keys = Object.keys(m).filter((k) => k !== 'type' && (m as Record<string, unknown>)[k] !== undefined);
          for (const key of keys) {
            const value = (m as Record<string, unknown>)[key];
            if (typeof junk === typeof value && Array.isArray(junk) === Array.isArray(value)) continue;
            if (key === 'language' || key === 'messageId' || (key === 'content' && junk === undefined)) continue; // optional
            assert.equal(parseWebviewMessage(broken(m, key, junk)), undefined, `${key}: ${JSON.stringify(junk)}`);
          }
        }),
        RUNS,
      );
    });

    it('never throw, whatever they are given', () => {
      fc.assert(
        fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), (x) => {
          parseHostMessage(x);
          parseWebviewMessage(x);
          if (typeof x === 'object' && x !== null) {
            parseHostMessage({ ...x, type: 'state' });
            parseWebviewMessage({ ...x, type: 'send' });
          }
        }),
        RUNS,
      );
    });
  });
});
