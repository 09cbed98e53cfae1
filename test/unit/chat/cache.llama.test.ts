// Turns that reuse llama.cpp's prompt cache, against a real llama-server
// (skipped unless HEARTH_TEST_LLAMA_SERVER and HEARTH_TEST_LLAMA_MODEL are
// set): each turn sends the earlier ones byte for byte (the budget), with
// cache_prompt, so the second and third turns evaluate only their new
// tokens (`timings.prompt_n`) and take the rest from the cache (`cache_n`).
import assert from 'node:assert/strict';
import { buildPrompt, type BudgetTurn } from '../../../src/core/chat/budget';
import { streamChat, type StreamResult } from '../../../src/core/chat/stream';
import { ServerClient } from '../../../src/core/http';
import { startLlamaOrSkip, type LlamaServer } from '../../harness/llamaServer';
import { memoryLogger } from '../core/helpers';

describe('chat turns against a real llama-server: the prompt cache', function () {
  this.timeout(60_000);
  let server: LlamaServer | undefined;
  let client: ServerClient;

  before(async function () {
    server = await startLlamaOrSkip(this, { ctx: 8192, parallel: 1 });
    client = new ServerClient({ name: 'llama', kind: 'llamacpp', url: server.url }, { log: memoryLogger() });
  });
  after(async () => {
    await server?.stop();
  });

  async function turn(turns: BudgetTurn[]): Promise<StreamResult> {
    const prompt = buildPrompt({ system: 'You are terse.', turns, contextLength: 8192, maxTokens: 24 });
    const result = await streamChat({
      openai: client.openai(),
      model: 'tiny',
      messages: prompt.messages,
      params: { max_tokens: 24, temperature: 0.7 },
      cachePrompt: true,
      streamUsage: true,
      onDelta: () => undefined,
    });
    assert.equal(result.error, undefined);
    return result;
  }

  it('evaluates only the new tokens of the second and third turns', async () => {
    const file = Array.from({ length: 60 }, (_, i) => `export const value${i} = ${i};`).join('\n');
    const turns: BudgetTurn[] = [
      {
        role: 'user',
        content: 'What does this file do?',
        attachments: [{ id: 'f', kind: 'file', path: 'src/values.ts', language: 'typescript', text: file }],
      },
    ];
    const first = await turn(turns);
    const firstPrompt = first.stats.promptTokens ?? 0;
    assert.ok(firstPrompt > 1000, `the first prompt holds the file (${firstPrompt} tokens)`);

    turns.push({ role: 'assistant', content: first.content }, { role: 'user', content: 'And the last one?' });
    const second = await turn(turns);
    const evaluated2 = (second.stats.promptTokens ?? 0) - (second.stats.cachedTokens ?? 0);
    assert.ok((second.stats.cachedTokens ?? 0) >= firstPrompt - 1, `turn 2 reuses turn 1's prompt: ${JSON.stringify(second.stats)}`);
    // New: the reply (re-tokenized, which may differ from the tokens generated; never more tokens than bytes) and the new message with its template tokens.
    const newTokens = (reply: string, message: string) => Buffer.byteLength(reply) + Buffer.byteLength(message) + 20;
    assert.ok(evaluated2 <= newTokens(first.content, 'And the last one?'), `turn 2 evaluates only new tokens: ${evaluated2}`);

    turns.push({ role: 'assistant', content: second.content }, { role: 'user', content: 'Thanks.' });
    const third = await turn(turns);
    const evaluated3 = (third.stats.promptTokens ?? 0) - (third.stats.cachedTokens ?? 0);
    assert.ok(
      (third.stats.cachedTokens ?? 0) >= (second.stats.promptTokens ?? 0) - 1,
      `turn 3 reuses turn 2's prompt: ${JSON.stringify(third.stats)}`,
    );
    assert.ok(evaluated3 <= newTokens(second.content, 'Thanks.'), `turn 3 evaluates only new tokens: ${evaluated3}`);
    console.log(
      `    prompt_n / cache_n: turn 1 ${firstPrompt - (first.stats.cachedTokens ?? 0)}/${first.stats.cachedTokens ?? 0}, ` +
        `turn 2 ${evaluated2}/${second.stats.cachedTokens}, turn 3 ${evaluated3}/${third.stats.cachedTokens}`,
    );
  });
});
