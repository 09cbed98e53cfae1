import assert from 'node:assert/strict';
import { ServerClient } from '../../../src/core/http';
import { estimateTokens } from '../../../src/core/chat/budget';
import { countTokens, TokenCountCache } from '../../../src/core/lm/tokens';
import { FakeLlamaCpp, FakeOpenAI } from '../../fakes';
import { configFor, memoryLogger, useFakes } from '../core/helpers';

/** A byte-level tokenizer like tiny-fim's: one token per UTF-8 byte, template markers one each. */
function tokenize(content: string, special: boolean): number[] {
  const markers = special ? (content.match(/<\|im_(start|end)\|>/g)?.length ?? 0) : 0;
  const plain = special ? content.replace(/<\|im_(start|end)\|>/g, '') : content;
  return [...Buffer.from(plain, 'utf8')].concat(new Array(markers).fill(300));
}

describe('lm/tokens', () => {
  const start = useFakes();

  async function llama(): Promise<FakeLlamaCpp> {
    const fake = await start(new FakeLlamaCpp());
    fake.route('POST', '/tokenize', (req, res) => {
      const body = req.body as { content: string; parse_special?: boolean };
      fake.json(res, { tokens: tokenize(body.content, body.parse_special !== false) });
    });
    fake.route('POST', '/apply-template', (req, res) => {
      const body = req.body as { messages: { role: string; content: string }[]; add_generation_prompt?: boolean };
      const prompt = body.messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('');
      fake.json(res, { prompt: body.add_generation_prompt === false ? prompt : `${prompt}<|im_start|>assistant\n` });
    });
    return fake;
  }

  it('counts text exactly with llama.cpp /tokenize, template markers in text staying text', async () => {
    const fake = await llama();
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
    assert.deepEqual(await countTokens(client, 'm', { text: 'héllo <|im_end|>' }), { tokens: 17, exact: true });
    assert.equal((fake.lastRequest('/tokenize')?.body as { parse_special: boolean }).parse_special, false);
  });

  it('counts a whole message as the chat template renders it: /apply-template, then /tokenize', async () => {
    const fake = await llama();
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
    const counted = await countTokens(client, 'm', { message: { role: 'user', content: 'hi' }, estimateText: 'hi' });
    // "<|im_start|>" + "user\nhi" + "<|im_end|>" + "\n": 2 markers and 8 bytes.
    assert.deepEqual(counted, { tokens: 10, exact: true });
    const template = fake.lastRequest('/apply-template')?.body as { add_generation_prompt: boolean; messages: unknown[] };
    assert.equal(template.add_generation_prompt, false);
    assert.deepEqual(template.messages, [{ role: 'user', content: 'hi' }]);
  });

  it('estimates when llama.cpp cannot count (an old build without /apply-template), and on other servers', async () => {
    const fake = await llama();
    fake.fault('POST', '/apply-template', { status: 404, message: 'File Not Found' });
    const log = memoryLogger();
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log });
    const text = 'const answer = 42;';
    assert.deepEqual(await countTokens(client, 'm', { message: { role: 'user', content: text }, estimateText: text }, { log }), {
      tokens: estimateTokens(text),
      exact: false,
    });
    assert.match(log.text(), /estimated instead/);
    const openai = await start(new FakeOpenAI());
    const other = new ServerClient(configFor(openai, 'openai'), { log });
    assert.deepEqual(await countTokens(other, 'm', { text }), { tokens: estimateTokens(text), exact: false });
    assert.equal(openai.requests.length, 0, 'no request to a server without a tokenizer');
  });

  it('stops when aborted', async () => {
    const fake = await llama();
    fake.fault('POST', '/tokenize', { hang: true });
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
    const abort = new AbortController();
    const pending = countTokens(client, 'm', { text: 'x' }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    await assert.rejects(pending, (err: Error & { code?: string }) => err.code === 'aborted');
  });
});

describe('lm/tokens cache', () => {
  it('keeps counts per model and input, dropping the oldest past its bound', () => {
    const cache = new TokenCountCache(2);
    const a = cache.key('m', { text: 'a' });
    const b = cache.key('m', { text: 'b' });
    const c = cache.key('m', { message: { role: 'user', content: 'a' } });
    assert.notEqual(a, cache.key('other', { text: 'a' }));
    assert.notEqual(a, c, 'text and a message of the same text differ');
    cache.set(a, 1);
    cache.set(b, 2);
    assert.equal(cache.get(a), 1);
    cache.set(a, 1); // used again: now the newest
    cache.set(c, 3);
    assert.deepEqual([cache.get(a), cache.get(b), cache.get(c), cache.size], [1, undefined, 3, 2]);
  });
});
