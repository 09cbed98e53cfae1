// Reading structured answers: fences and reasoning around the JSON, schema
// problems in words, and the retry prompt that quotes them.
import assert from 'node:assert/strict';
import { checkReply, jsonText, schemaProblems, type JsonSchema } from '../../../src/core/tasks/reply';
import { retryMessages, structuredSystem } from '../../../src/core/tasks/prompt';
import { COMMIT_SCHEMA } from '../../../src/core/tasks/commit';

const THING: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 8 },
    n: { type: 'integer' },
    tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 2 },
  },
  required: ['name', 'n'],
  additionalProperties: false,
};

describe('tasks/reply: the JSON text of an answer', () => {
  it('takes plain JSON as it is', () => {
    assert.equal(jsonText('  {"a": 1}\n'), '{"a": 1}');
  });

  it('strips a Markdown fence around the JSON, with or without a language, backticks or tildes', () => {
    assert.equal(jsonText('```json\n{"a": 1}\n```'), '{"a": 1}');
    assert.equal(jsonText('```\n{"a": 1}\n```\n'), '{"a": 1}');
    assert.equal(jsonText('~~~JSON\n{"a": 1}\n~~~'), '{"a": 1}');
    assert.equal(jsonText('````json\n{"a": "```"}\n````'), '{"a": "```"}');
  });

  it('takes the fenced block out of prose around it', () => {
    assert.equal(jsonText('Here is the message:\n\n```json\n{"a": 1}\n```\n\nHope it helps.'), '{"a": 1}');
  });

  it('drops a leading <think> block, but not a JSON string that mentions the tags', () => {
    assert.equal(jsonText('<think>the user wants JSON</think>\n{"a": 1}'), '{"a": 1}');
    assert.equal(jsonText('{"a": "use <think> and </think>"}'), '{"a": "use <think> and </think>"}');
  });
});

describe('tasks/reply: checking against the schema', () => {
  it('accepts a valid answer and returns it parsed', () => {
    const r = checkReply<{ name: string }>('```json\n{"name": "x", "n": 2, "tags": ["a"]}\n```', THING);
    assert.deepEqual(r, { ok: true, value: { name: 'x', n: 2, tags: ['a'] } });
  });

  it('says when the answer is empty, and when it was cut off', () => {
    assert.deepEqual(checkReply('   ', THING), { ok: false, problem: 'The answer was empty.' });
    const cut = checkReply('{"name": "abc', THING, 'length');
    assert.ok(!cut.ok && /not valid JSON/.test(cut.problem) && /cut off at the token limit/.test(cut.problem), JSON.stringify(cut));
  });

  it('names what is not JSON', () => {
    const r = checkReply('Sure! The name is x.', THING);
    assert.ok(!r.ok && r.problem.startsWith('The answer is not valid JSON ('), JSON.stringify(r));
  });

  it('names a missing field, a wrong type, an extra field and a value out of range', () => {
    assert.deepEqual(schemaProblems(THING, { n: 1 }), ['the answer lacks the required property "name"']);
    assert.deepEqual(schemaProblems(THING, { name: 'x', n: 'two' }), ['"/n": value type "string" is invalid. Expected "integer"']);
    assert.deepEqual(schemaProblems(THING, { name: 'x', n: 1, extra: true }), [
      'the answer has the property "extra", which is not allowed',
    ]);
    assert.deepEqual(schemaProblems(THING, { name: 'much too long', n: 1 }), ['"/name": String is too long (13 > 8)']);
    assert.deepEqual(schemaProblems(THING, { name: 'x', n: 1, tags: ['c'] }), ['"/tags/0": value does not match any of ["a","b"]']);
    assert.deepEqual(schemaProblems(THING, 'x'), ['the answer: value type "string" is invalid. Expected "object"']);
  });

  it('treats whitespace as empty where text is required', () => {
    assert.deepEqual(schemaProblems(COMMIT_SCHEMA, { subject: '  \n', body: '' }), ['"/subject" is blank']);
    assert.deepEqual(schemaProblems(COMMIT_SCHEMA, { subject: 'Add x', body: '' }), [], 'an empty body is allowed');
  });

  it('puts the problems in one sentence, the first few of many', () => {
    const r = checkReply('{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "n": "x"}', THING);
    assert.ok(!r.ok);
    assert.match(r.problem, /^The answer does not match the schema: .*lacks the required property "name"; /);
    assert.match(r.problem, /\(and \d+ more\)\.$/);
  });
});

describe('tasks/prompt', () => {
  it('states the schema in the system message', () => {
    const system = structuredSystem('You write commit messages.', COMMIT_SCHEMA);
    assert.equal(system.role, 'system');
    assert.ok(system.content.startsWith('You write commit messages.'));
    assert.ok(system.content.includes(JSON.stringify(COMMIT_SCHEMA)));
    assert.match(system.content, /one JSON object and nothing else/);
  });

  it('retries with the rejected answer as the assistant turn and the problem stated', () => {
    const first = [structuredSystem('Do it.', THING), { role: 'user' as const, content: 'Go.' }];
    const problem = 'The answer is not valid JSON (Unexpected end of JSON input).';
    const retry = retryMessages(first, '{"name": "ab', problem);
    assert.deepEqual(retry.slice(0, 2), first, 'the first request comes first, unchanged');
    assert.deepEqual(retry[2], { role: 'assistant', content: '{"name": "ab' });
    assert.equal(retry[3].role, 'user');
    assert.ok(retry[3].content.includes(problem), retry[3].content);
    assert.match(retry[3].content, /only one JSON object that matches the schema/);
  });

  it('quotes a long rejected answer in part, and an empty one as such', () => {
    const long = 'x'.repeat(10_000);
    assert.ok(retryMessages([], long, 'p')[0].content.length < 2100);
    assert.equal(retryMessages([], '', 'p')[0].content, '(empty)');
  });
});
