import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  assistantToolCalls,
  callsFromMessage,
  checkToolCalls,
  openAiTools,
  quoteRaw,
  refusalResults,
  ToolCallAssembler,
  type RawToolCall,
  type ToolSpec,
} from '../../../src/core/chat/toolCalls';

const TOOLS: ToolSpec[] = [
  {
    name: 'read_file',
    description: 'Read a file',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string', minLength: 1 }, startLine: { type: 'integer', minimum: 1 } },
      required: ['path'],
      additionalProperties: false,
    },
  },
  { name: 'get_open_editors', description: 'Open editors', parameters: { type: 'object', properties: {}, additionalProperties: false } },
];

const call = (index: number, name: string, args: string, id = `id${index}`): RawToolCall => ({ index, id, name, arguments: args });

/** llama.cpp's streamed shape: id, type and name with the first piece of arguments, then one piece per token. */
function streamPieces(calls: { id: string; name: string; args: string }[], cuts: number[]): unknown[][] {
  const chunks: unknown[][] = [];
  calls.forEach((c, index) => {
    const points = [...new Set(cuts.map((n) => n % (c.args.length + 1)))].sort((a, b) => a - b);
    let from = 0;
    const parts: string[] = [];
    for (const p of points) {
      parts.push(c.args.slice(from, p));
      from = p;
    }
    parts.push(c.args.slice(from));
    chunks.push([{ index, id: c.id, type: 'function', function: { name: c.name, arguments: parts[0] } }]);
    for (const part of parts.slice(1)) chunks.push([{ index, function: { arguments: part } }]);
  });
  return chunks;
}

describe('chat/toolCalls', () => {
  describe('assembly', () => {
    it('assembles several calls streamed by index, their arguments split across chunks', () => {
      const a = new ToolCallAssembler();
      for (const chunk of streamPieces(
        [
          { id: 'EuTa', name: 'read_file', args: '{"path": "src/a.ts"}' },
          { id: 'Qx', name: 'get_open_editors', args: '{}' },
        ],
        [1, 2, 7, 12],
      ))
        a.push(chunk);
      assert.equal(a.error, undefined);
      assert.deepEqual(a.calls, [call(0, 'read_file', '{"path": "src/a.ts"}', 'EuTa'), call(1, 'get_open_editors', '{}', 'Qx')]);
    });

    it('keeps pieces of interleaved calls apart and returns them in index order', () => {
      const a = new ToolCallAssembler();
      a.push([{ index: 1, id: 'b', function: { name: 'get_open_editors', arguments: '{' } }]);
      a.push([{ index: 0, id: 'a', function: { name: 'read_file', arguments: '{"path"' } }]);
      a.push([
        { index: 1, function: { arguments: '}' } },
        { index: 0, function: { arguments: ':"x"}' } },
      ]);
      assert.deepEqual(a.calls, [call(0, 'read_file', '{"path":"x"}', 'a'), call(1, 'get_open_editors', '{}', 'b')]);
    });

    it('serializes an argument piece that is not a string into the buffer instead of dropping it', () => {
      const a = new ToolCallAssembler();
      a.push([{ index: 0, id: 'o', function: { name: 'read_file', arguments: { path: 'a.ts' } } }]);
      assert.equal(a.calls[0].arguments, '{"path":"a.ts"}');
      const b = new ToolCallAssembler();
      b.push([{ index: 0, id: 'n', function: { name: 'read_file', arguments: '{"path":"a","startLine":' } }]);
      b.push([{ index: 0, function: { arguments: 12 } }]);
      b.push([{ index: 0, function: { arguments: null } }]); // no piece
      b.push([{ index: 0, function: { arguments: '}' } }]);
      assert.equal(b.calls[0].arguments, '{"path":"a","startLine":12}');
      assert.equal(checkToolCalls(b.calls, TOOLS).ok, true);
    });

    it('gives ids to calls the server sent without one and does not double a repeated name', () => {
      const a = new ToolCallAssembler({ idPrefix: 'r2_' });
      a.push([{ index: 0, function: { name: 'read_file', arguments: '{"path":' } }]);
      a.push([{ index: 0, function: { name: 'read_file', arguments: '"x"}' } }]);
      assert.deepEqual(a.calls, [call(0, 'read_file', '{"path":"x"}', 'r2_0')]);
    });

    it('without index, a piece with a new id or another name starts the next call; others continue the last', () => {
      const a = new ToolCallAssembler();
      a.push([{ id: 'a', function: { name: 'read_file', arguments: '{"path":' } }]);
      a.push([{ function: { arguments: '"x"}' } }]);
      a.push([{ id: 'b', function: { name: 'read_file', arguments: '{"path":"y"}' } }]);
      a.push([{ function: { name: 'get_open_editors', arguments: '{}' } }]);
      assert.deepEqual(
        a.calls.map((c) => [c.index, c.id, c.name, c.arguments]),
        [
          [0, 'a', 'read_file', '{"path":"x"}'],
          [1, 'b', 'read_file', '{"path":"y"}'],
          [2, 'call_2', 'get_open_editors', '{}'],
        ],
      );
    });

    it('reads the calls of a one-piece reply by position, object arguments included', () => {
      const { calls, error } = callsFromMessage([
        { id: 'x', type: 'function', function: { name: 'read_file', arguments: '{"path":"a"}' } },
        { type: 'function', function: { name: 'get_open_editors', arguments: {} } },
      ]);
      assert.equal(error, undefined);
      assert.deepEqual(calls, [call(0, 'read_file', '{"path":"a"}', 'x'), call(1, 'get_open_editors', '{}', 'call_1')]);
    });

    it('reports tool_calls that are not an array of objects, and stops at the size bound', () => {
      assert.match(callsFromMessage('nope').error ?? '', /"tool_calls" is not an array: "nope"/);
      const a = new ToolCallAssembler();
      a.push([5]);
      assert.match(a.error ?? '', /piece is not an object: "5"/);
      const b = new ToolCallAssembler({ maxChars: 2048 });
      b.push([{ index: 0, function: { name: 'read_file', arguments: 'x'.repeat(2000) } }]);
      assert.equal(b.error, undefined);
      b.push([{ index: 0, function: { arguments: 'x'.repeat(100) } }]);
      assert.match(b.error ?? '', /passed 2 KB/);
      b.push([{ index: 1, function: { name: 'read_file' } }]);
      assert.equal(b.calls.length, 1, 'pieces after the error are ignored');
    });

    it('gives the same calls however the arguments are split (property)', () => {
      const args = fc
        .record({ path: fc.string({ minLength: 1 }), startLine: fc.integer({ min: 1, max: 1e6 }) })
        .map((v) => JSON.stringify(v));
      fc.assert(
        fc.property(fc.array(args, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), (argList, cuts) => {
          const a = new ToolCallAssembler();
          const calls = argList.map((text, i) => ({ id: `c${i}`, name: 'read_file', args: text }));
          for (const chunk of streamPieces(calls, cuts)) a.push(chunk);
          assert.deepEqual(
            a.calls.map((c) => c.arguments),
            argList,
          );
          const turn = checkToolCalls(a.calls, TOOLS);
          assert.equal(turn.ok, true);
          if (turn.ok) assert.deepEqual(turn.calls[0].args, JSON.parse(argList[0]));
        }),
      );
    });
  });

  describe('check', () => {
    it('parses and validates every call of a good turn', () => {
      const turn = checkToolCalls([call(0, 'read_file', '{"path":"a.ts","startLine":3}'), call(1, 'get_open_editors', '{}')], TOOLS);
      assert.equal(turn.ok, true);
      if (turn.ok) assert.deepEqual(turn.calls[0].args, { path: 'a.ts', startLine: 3 });
    });

    it('never runs malformed JSON: the call is refused with the parse error, also when cut off at the token limit', () => {
      const turn = checkToolCalls([call(0, 'read_file', '{"path":"a.ts"')], TOOLS, { finishReason: 'length' });
      assert.equal(turn.ok, false);
      if (turn.ok) return;
      assert.match(turn.problems[0] ?? '', /^the arguments are not valid JSON \(.+\); the reply was cut off at the token limit$/);
      assert.match(turn.summary, /"read_file" was refused: the arguments are not valid JSON/);
      assert.ok(turn.summary.endsWith(`It sent: ${JSON.stringify('{"path":"a.ts"')}`), turn.summary);
    });

    it('refuses empty arguments, non-objects, unknown tools, missing names and schema mismatches, each in words', () => {
      const problem = (c: RawToolCall) => {
        const turn = checkToolCalls([c], TOOLS);
        assert.equal(turn.ok, false);
        return turn.ok ? '' : (turn.problems[0] ?? '');
      };
      assert.match(problem(call(0, 'get_open_editors', ' ')), /arguments are empty; send a JSON object \(\{\} when the tool takes none\)/);
      assert.equal(problem(call(0, 'read_file', '["a"]')), 'the arguments must be a JSON object, not an array');
      assert.equal(problem(call(0, 'read_file', 'null')), 'the arguments must be a JSON object, not null');
      assert.equal(problem(call(0, 'read_file', '"a"')), 'the arguments must be a JSON object, not a string');
      assert.equal(
        problem(call(0, 'run_terminal', '{}')),
        'there is no tool named "run_terminal" (the tools are: read_file, get_open_editors)',
      );
      assert.equal(problem(call(0, '', '{}')), 'the call has no tool name');
      assert.equal(
        problem(call(0, 'read_file', '{}')),
        'the arguments do not match the schema of read_file: the arguments object lacks the required property "path"',
      );
      assert.equal(
        problem(call(0, 'read_file', '{"path":"a","startLine":"3","x":1}')),
        'the arguments do not match the schema of read_file: "/startLine": value type "string" is invalid. Expected "integer"; ' +
          'the arguments object has the property "x", which is not allowed',
      );
      assert.equal(problem(call(0, 'read_file', '{"path":"  "}')), 'the arguments do not match the schema of read_file: "/path" is blank');
      assert.match(problem(call(0, 'read_file', '['.repeat(100))), /not valid JSON \(JSON nested deeper than 64 levels\)/);
    });

    it('runs none of a turn when one call of several is bad; the good calls are told why', () => {
      const calls = [call(0, 'get_open_editors', '{}'), call(1, 'read_file', '{"path": oops}'), call(2, 'read_file', '{"path":"b"}')];
      const turn = checkToolCalls(calls, TOOLS);
      assert.equal(turn.ok, false);
      if (turn.ok) return;
      assert.deepEqual(
        turn.problems.map((p) => !!p),
        [false, true, false],
      );
      assert.match(turn.summary, /^The model's call of "read_file" \(call 2 of 3\) was refused: the arguments are not valid JSON/);
      const results = refusalResults(turn);
      assert.deepEqual(
        results.map((r) => r.id),
        ['id0', 'id1', 'id2'],
      );
      assert.match(results[0].content, /^Not run: another call in the same turn was refused/);
      assert.match(
        results[1].content,
        /^Error: this call was not run: the arguments are not valid JSON .*The arguments received were: "\{\\"path\\": oops\}"\. Send/,
      );
      assert.match(results[2].content, /^Not run/);
    });

    it('refuses a turn with more calls than allowed', () => {
      const calls = Array.from({ length: 3 }, (_, i) => call(i, 'get_open_editors', '{}'));
      const turn = checkToolCalls(calls, TOOLS, { maxCalls: 2 });
      assert.equal(turn.ok, false);
      if (!turn.ok) assert.equal(turn.summary, 'The model sent 3 tool calls at once; at most 2 are allowed.');
    });

    it('quotes long raw text exactly, cut with its length', () => {
      assert.equal(quoteRaw('a\n"b"'), '"a\\n\\"b\\""');
      assert.equal(quoteRaw('abcdef', 3), '"abc"… (6 characters)');
    });
  });

  describe('request shapes', () => {
    it('offers tools as OpenAI functions and sends calls back exactly as received', () => {
      assert.deepEqual(openAiTools(TOOLS.slice(1)), [
        { type: 'function', function: { name: 'get_open_editors', description: 'Open editors', parameters: TOOLS[1].parameters } },
      ]);
      assert.deepEqual(assistantToolCalls([call(0, 'read_file', '{"path" : "a"}', 'q')]), [
        { id: 'q', type: 'function', function: { name: 'read_file', arguments: '{"path" : "a"}' } },
      ]);
    });
  });
});
