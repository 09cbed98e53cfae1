// The structured client against a real llama-server (skipped unless
// HEARTH_TEST_LLAMA_SERVER and HEARTH_TEST_LLAMA_MODEL are set). The tiny
// model has random weights: what makes its answers valid is llama.cpp's
// grammar built from the `response_format` JSON schema, so a request
// without the schema (a generic OpenAI-compatible server's json_object)
// fails the check where the schema request passes.
import assert from 'node:assert/strict';
import { HearthError } from '../../../src/core/errors';
import { ServerClient } from '../../../src/core/http';
import { structuredSystem } from '../../../src/core/tasks/prompt';
import { schemaProblems, type JsonSchema } from '../../../src/core/tasks/reply';
import { completeStructured } from '../../../src/core/tasks/structured';
import { startLlamaOrSkip, type LlamaServer } from '../../harness/llamaServer';
import { memoryLogger } from '../core/helpers';

// Bounded strings, an enum, an integer and a boolean: a grammar the random model cannot leave.
const THING: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 8 },
    n: { type: 'integer' },
    ok: { type: 'boolean' },
    tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 2 },
  },
  required: ['name', 'n', 'ok', 'tags'],
  additionalProperties: false,
};

describe('tasks/structured against a real llama-server', function () {
  this.timeout(60_000);
  let server: LlamaServer | undefined;

  before(async function () {
    server = await startLlamaOrSkip(this, { ctx: 2048, parallel: 1 });
  });
  after(async () => {
    await server?.stop();
  });

  const messages = () => [structuredSystem('Describe a thing.', THING), { role: 'user' as const, content: 'Describe one.' }];

  it('gets schema-valid JSON through response_format json_schema, at temperature 0 and warmer', async () => {
    const log = memoryLogger();
    const client = new ServerClient({ name: 'llama', kind: 'llamacpp', url: server!.url }, { log });
    for (const temperature of [0, 0.8, 1.2]) {
      const result = await completeStructured<Record<string, unknown>>({
        client,
        model: server!.modelId,
        messages: messages(),
        schema: THING,
        name: 'thing',
        temperature,
        maxTokens: 300,
        log,
      });
      assert.equal(result.attempts, 1, `valid at once at temperature ${temperature}: ${result.content}`);
      assert.deepEqual(schemaProblems(THING, result.value), []);
      assert.deepEqual(Object.keys(result.value).sort(), ['n', 'name', 'ok', 'tags']);
      assert.ok((result.stats.completionTokens ?? 0) > 0 && (result.stats.promptTokens ?? 0) > 0, JSON.stringify(result.stats));
    }
  });

  it('without the schema (json_object, as for a generic server) the same model fails the check, and says so', async () => {
    const log = memoryLogger();
    const client = new ServerClient({ name: 'generic', kind: 'openai', url: server!.url }, { log });
    const error = await completeStructured({
      client,
      model: server!.modelId,
      messages: messages(),
      schema: THING,
      name: 'thing',
      maxTokens: 60,
      log,
    }).then(
      (r) => assert.fail(`the unconstrained random model gave a valid answer: ${r.content}`),
      (e: unknown) => e as HearthError,
    );
    assert.ok(error instanceof HearthError);
    assert.equal(error.code, 'malformed');
    assert.match(error.message, /gave no usable answer in two tries/);
    assert.equal((log.text().match(/POST \S+\/v1\/chat\/completions 200/g) ?? []).length, 2, 'one retry');
  });
});
