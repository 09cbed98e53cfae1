// The non-streaming structured client against a fake of each server kind:
// the structured-output fields each kind receives (the fakes refuse any
// other), one retry with the problem stated and a warmer temperature, the
// error after two bad answers, usage, loading, cancellation and bad shapes.
import assert from 'node:assert/strict';
import { HearthError } from '../../../src/core/errors';
import { ServerClient } from '../../../src/core/http';
import { structuredSystem } from '../../../src/core/tasks/prompt';
import type { JsonSchema } from '../../../src/core/tasks/reply';
import { completeStructured, type StructuredOptions } from '../../../src/core/tasks/structured';
import type { ServerKind } from '../../../src/core/types';
import { ChatRoutes, FakeLlamaCpp, FakeLmStudio, FakeOllama, FakeOpenAI, mountChat, type ChatFlavor, type FakeServer } from '../../fakes';
import type { StructuredAsk } from '../../fakes/chatOnce';
import { configFor, memoryLogger, useFakes, type MemoryLogger } from '../core/helpers';

const SCHEMA: JsonSchema = {
  type: 'object',
  properties: { subject: { type: 'string', minLength: 1, maxLength: 72 }, body: { type: 'string' } },
  required: ['subject', 'body'],
  additionalProperties: false,
};
const VALID = '{"subject": "Add the parser", "body": "It reads diffs."}';

interface Kind {
  kind: ServerKind;
  flavor: ChatFlavor;
  model: string;
  ask: StructuredAsk;
  path: string;
  make(): FakeServer;
}

const KINDS: Kind[] = [
  {
    kind: 'llamacpp',
    flavor: 'llamacpp',
    model: '/models/q.gguf',
    ask: 'json_schema',
    path: '/v1/chat/completions',
    make: () => new FakeLlamaCpp(),
  },
  { kind: 'ollama', flavor: 'ollama', model: 'llama3.2:3b', ask: 'ollama_format', path: '/api/chat', make: () => new FakeOllama() },
  {
    kind: 'lmstudio',
    flavor: 'lmstudio',
    model: 'qwen2.5-coder-7b-instruct',
    ask: 'json_schema',
    path: '/v1/chat/completions',
    make: () => new FakeLmStudio(),
  },
  {
    kind: 'vllm',
    flavor: 'vllm',
    model: 'Qwen/Qwen2.5-Coder-7B-Instruct',
    ask: 'json_schema',
    path: '/v1/chat/completions',
    make: () => new FakeOpenAI(),
  },
  {
    kind: 'openai',
    flavor: 'openai',
    model: 'gpt-4o-mini',
    ask: 'json_object',
    path: '/v1/chat/completions',
    make: () => new FakeOpenAI({ flavor: 'openai' }),
  },
];

function messages() {
  return [structuredSystem('You write commit messages.', SCHEMA), { role: 'user' as const, content: 'diff --git a/x b/x' }];
}

describe('tasks/structured against each server kind', () => {
  const start = useFakes();

  async function setUp(k: Kind, routes: ChatRoutes) {
    const fake = await start(k.make());
    mountChat(fake, routes);
    const log = memoryLogger();
    const client = new ServerClient(configFor(fake, k.kind, { name: `${k.kind} fake` }), { log });
    const options = (extra: Partial<StructuredOptions> = {}): StructuredOptions => ({
      client,
      model: k.model,
      messages: messages(),
      schema: SCHEMA,
      name: 'commit_message',
      maxTokens: 300,
      log,
      ...extra,
    });
    return { fake, log, client, options };
  }

  for (const k of KINDS) {
    describe(k.kind, () => {
      it(`asks with ${k.ask}, stream: false, temperature 0, and returns the checked answer with usage`, async () => {
        const routes = new ChatRoutes({ flavor: k.flavor, expectStructured: k.ask, reply: `\`\`\`json\n${VALID}\n\`\`\`` });
        const { options, log } = await setUp(k, routes);
        const result = await completeStructured<{ subject: string }>(options({ numCtx: 8192 }));
        assert.deepEqual(result.value, { subject: 'Add the parser', body: 'It reads diffs.' });
        assert.equal(result.attempts, 1);
        assert.ok((result.stats.promptTokens ?? 0) > 0 && (result.stats.completionTokens ?? 0) > 0, JSON.stringify(result.stats));
        assert.equal(routes.requests.length, 1);
        const { path, body } = routes.requests[0];
        assert.equal(path, k.path);
        assert.equal(body.stream, false);
        assert.equal(body.model, k.model);
        if (k.kind === 'ollama') {
          assert.deepEqual(body.format, SCHEMA, 'the schema itself as format');
          assert.deepEqual(body.options, { temperature: 0, num_predict: 300, num_ctx: 8192 });
        } else {
          assert.equal(body.temperature, 0);
          assert.equal(body.max_tokens, 300);
          if (k.ask === 'json_schema')
            assert.deepEqual(body.response_format, {
              type: 'json_schema',
              json_schema: { name: 'commit_message', strict: true, schema: SCHEMA },
            });
          else assert.deepEqual(body.response_format, { type: 'json_object' });
        }
        assert.match(log.text(), /200 \(.*\d+ prompt \+ \d+ completion tokens/, 'the request log line counts the tokens');
      });

      it('retries once with the problem stated and a warmer temperature, then succeeds', async () => {
        const routes = new ChatRoutes({ flavor: k.flavor, expectStructured: k.ask, replies: ['{"subject": "Add', VALID] });
        const { options } = await setUp(k, routes);
        const retries: string[] = [];
        const result = await completeStructured(options({ onRetry: (p) => retries.push(p) }));
        assert.equal(result.attempts, 2);
        assert.equal(routes.requests.length, 2);
        assert.equal(retries.length, 1);
        assert.match(retries[0], /not valid JSON/);
        const second = routes.requests[1].body;
        const temperature = k.kind === 'ollama' ? second.options.temperature : second.temperature;
        assert.equal(temperature, 0.3);
        const last = second.messages[second.messages.length - 1];
        assert.equal(last.role, 'user');
        assert.ok(last.content.includes(retries[0]), 'the retry prompt states the validation error');
        assert.deepEqual(second.messages[second.messages.length - 2], { role: 'assistant', content: '{"subject": "Add' });
      });

      it('fails clearly after a second invalid answer: quoting it, naming the model, offering Retry and Select Model', async () => {
        const routes = new ChatRoutes({ flavor: k.flavor, expectStructured: k.ask, replies: ['no JSON here', '{"subject": ""}'] });
        const { options } = await setUp(k, routes);
        const error = await completeStructured(options()).then(
          () => assert.fail('an invalid answer must not be returned'),
          (e: unknown) => e as HearthError,
        );
        assert.ok(error instanceof HearthError);
        assert.equal(error.code, 'malformed');
        assert.deepEqual(error.actions, ['retry', 'selectModel', 'showLog']);
        assert.ok(error.message.includes(`"${k.model}"`), error.message);
        assert.ok(error.message.includes('It returned: "{"subject": ""}"'), error.message);
        assert.match(error.message, /lacks the required property "body"/);
        assert.equal(routes.requests.length, 2, 'exactly one retry');
      });
    });
  }

  it('uses the user temperature, and 0.3 more for the retry', async () => {
    const routes = new ChatRoutes({ expectStructured: 'json_schema', replies: ['{}', VALID] });
    const { options } = await setUp(KINDS[0], routes);
    await completeStructured(options({ temperature: 0.5 }));
    assert.deepEqual(
      routes.requests.map((r) => r.body.temperature),
      [0.5, 0.8],
    );
  });

  it('waits for a model that is loading, then asks (llama.cpp /health)', async () => {
    const routes = new ChatRoutes({ reply: VALID });
    const { fake, options } = await setUp(KINDS[0], routes);
    const llama = fake as FakeLlamaCpp;
    llama.loading = true;
    setTimeout(() => (llama.loading = false), 150);
    let loading = 0;
    const result = await completeStructured(options({ retryBaseMs: 20, onLoading: () => loading++ }));
    assert.equal(result.attempts, 1);
    assert.equal(loading, 1);
  });

  it('aborts the request when cancelled: an aborted error, and the server sees the client go away', async () => {
    const routes = new ChatRoutes({ reply: VALID, delayMs: 5000 });
    const { options } = await setUp(KINDS[0], routes);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const error = await completeStructured(options({ signal: abort.signal })).catch((e: unknown) => e as HearthError);
    assert.ok(error instanceof HearthError);
    assert.equal(error.code, 'aborted');
    const until = Date.now() + 2000;
    while (routes.clientAborts === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal(routes.clientAborts, 1);
  });

  it('says on a timeout that the whole answer must come within timeoutSeconds', async () => {
    const fake = await start(new FakeLlamaCpp());
    mountChat(fake, new ChatRoutes({ reply: VALID, delayMs: 3000 }));
    const client = new ServerClient(configFor(fake, 'llamacpp', { timeoutSeconds: 0.2 }), { log: memoryLogger() });
    const error = await completeStructured({ client, model: 'm', messages: messages(), schema: SCHEMA, name: 'x', maxTokens: 10 }).catch(
      (e: unknown) => e as HearthError,
    );
    assert.ok(error instanceof HearthError);
    assert.equal(error.code, 'timeout');
    assert.match(error.message, /did not answer within 0\.2 s\. Editor commands wait for the whole answer .*raise timeoutSeconds/);
    assert.deepEqual(error.actions, ['retry', 'showLog', 'openSettings']);
  });

  it('says when a server answers a shape that is not a chat completion', async () => {
    const { fake, options } = await setUp(KINDS[0], new ChatRoutes());
    fake.route('POST', '/v1/chat/completions', (_req, res, server) => server.json(res, { content: VALID }));
    const error = await completeStructured(options()).catch((e: unknown) => e as HearthError);
    assert.ok(error instanceof HearthError);
    assert.equal(error.code, 'malformed');
    assert.match(error.message, /cannot read \(no "choices\[0\]\.message" in the answer\)\. It sent: .*content/);
  });

  it('passes HTTP errors through the error taxonomy (a 400 from the server)', async () => {
    const routes = new ChatRoutes({ flavor: 'lmstudio' });
    const { fake, options } = await setUp(KINDS[2], routes);
    fake.route('POST', '/v1/chat/completions', (req, res, server) =>
      server.json(res, { error: "'response_format.type' must be 'json_schema' or 'text'" }, 400),
    );
    const error = await completeStructured(options()).catch((e: unknown) => e as HearthError);
    assert.ok(error instanceof HearthError);
    assert.equal(error.code, 'badRequest');
    assert.match(error.message, /LM Studio at .* rejected the request \(400\): 'response_format.type' must be/);
  });

  it('the fakes refuse what the real servers refuse', async () => {
    const log: MemoryLogger = memoryLogger();
    const lm = await start(new FakeLmStudio());
    mountChat(lm, new ChatRoutes({ flavor: 'lmstudio', reply: VALID }));
    const client = new ServerClient(configFor(lm, 'openai'), { log });
    // An OpenAI-compatible entry pointed at LM Studio asks with json_object, which LM Studio refuses.
    const error = await completeStructured({ client, model: 'm', messages: messages(), schema: SCHEMA, name: 'x', maxTokens: 10 }).catch(
      (e: unknown) => e as HearthError,
    );
    assert.ok(error instanceof HearthError && error.code === 'badRequest', String(error));
    assert.match(error.message, /must be 'json_schema'/);
  });
});
