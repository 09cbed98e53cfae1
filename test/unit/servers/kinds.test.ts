import assert from 'node:assert/strict';
import {
  describeProbedPorts,
  KINDS,
  normalizeUrl,
  presetServers,
  serverNameProblem,
  validateServers,
} from '../../../src/core/servers/kinds';
import { kindLabel } from '../../../src/core/types';

describe('kinds', () => {
  it('labels every kind and knows the default ports', () => {
    assert.deepEqual(
      KINDS.map((k) => [k.kind, k.label, k.defaultPort]),
      [
        ['llamacpp', 'llama.cpp', 8080],
        ['ollama', 'Ollama', 11434],
        ['lmstudio', 'LM Studio', 1234],
        ['vllm', 'vLLM', 8000],
        ['openai', 'OpenAI-compatible', undefined],
      ],
    );
    assert.equal(kindLabel('lmstudio'), 'LM Studio');
    assert.equal(KINDS[0].defaultUrl, 'http://127.0.0.1:8080');
  });

  it('makes presets for the kinds with a port, with overridable ports', () => {
    const presets = presetServers();
    assert.deepEqual(
      presets.map((p) => p.name),
      [
        'llama.cpp (127.0.0.1:8080)',
        'llama.cpp (127.0.0.1:9931)',
        'Ollama (127.0.0.1:11434)',
        'LM Studio (127.0.0.1:1234)',
        'vLLM (127.0.0.1:8000)',
      ],
      "llama.cpp's announced new default port 9931 is probed too",
    );
    assert.ok(presets.every((p) => p.detected));
    assert.equal(describeProbedPorts(), 'llama.cpp (:8080, :9931), Ollama (:11434), LM Studio (:1234), vLLM (:8000)');
    const custom = presetServers({ llamacpp: 5001, vllm: 0 });
    assert.equal(custom[0].url, 'http://127.0.0.1:5001');
    assert.equal(custom.filter((p) => p.kind === 'llamacpp').length, 1);
    assert.deepEqual(
      presetServers({ llamacpp: [5001, 5002], ollama: [], lmstudio: 0, vllm: 0 }).map((p) => p.url),
      ['http://127.0.0.1:5001', 'http://127.0.0.1:5002'],
    );
    assert.equal(
      custom.find((p) => p.kind === 'vllm'),
      undefined,
    );
  });

  it('refuses a new server name that differs from an existing one only in case', () => {
    const existing = [{ name: 'Team Box', kind: 'vllm', url: 'http://h' }, 'junk', { name: 42 }];
    assert.equal(serverNameProblem('  team box ', existing), 'A server named "Team Box" exists (names must differ in more than case).');
    assert.equal(serverNameProblem(' ', existing), 'A name is needed.');
    assert.equal(serverNameProblem('Team Box 2', existing), undefined);
    assert.match(
      validateServers([...existing.slice(0, 1), { name: 'TEAM BOX', kind: 'ollama', url: 'http://x' }]).problems[0],
      /already named/,
    );
  });

  describe('normalizeUrl', () => {
    const table: [string, string][] = [
      ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
      ['  http://127.0.0.1:8080/  ', 'http://127.0.0.1:8080'],
      ['http://127.0.0.1:8080/v1', 'http://127.0.0.1:8080'],
      ['http://127.0.0.1:8080/v1/', 'http://127.0.0.1:8080'],
      ['https://Example.COM/proxy/ollama//', 'https://example.com/proxy/ollama'],
      ['https://example.com:443/v1', 'https://example.com'],
      ['http://[::1]:8000/V1', 'http://[::1]:8000'],
    ];
    for (const [input, output] of table) {
      it(`${JSON.stringify(input)} → ${output}`, () => assert.deepEqual(normalizeUrl(input), { url: output }));
    }
    it('strips /api for Ollama only', () => {
      assert.deepEqual(normalizeUrl('http://127.0.0.1:11434/api/', 'ollama'), { url: 'http://127.0.0.1:11434' });
      assert.deepEqual(normalizeUrl('http://127.0.0.1:1234/api', 'lmstudio'), { url: 'http://127.0.0.1:1234/api' });
    });
  });

  describe('validateServers', () => {
    it('accepts nothing at all', () => {
      assert.deepEqual(validateServers(undefined), { servers: [], problems: [] });
      assert.deepEqual(validateServers([]), { servers: [], problems: [] });
    });

    it('keeps valid entries with their optional fields', () => {
      const { servers, problems } = validateServers([
        {
          name: ' Box ',
          kind: 'vllm',
          url: 'https://gpu.example.com/v1/',
          headers: { 'X-Team': 'a', Authorization: 'Basic abc' },
          timeoutSeconds: 120,
          contextLength: { 'qwen2.5-coder': 16384, '*': 8192 },
          streamUsage: false,
        },
        { name: 'Proxy', kind: 'openai', url: 'https://p', contextLength: 32768 },
      ]);
      assert.deepEqual(problems, []);
      assert.deepEqual(servers, [
        {
          name: 'Box',
          kind: 'vllm',
          url: 'https://gpu.example.com',
          headers: { 'X-Team': 'a', Authorization: 'Basic abc' },
          timeoutSeconds: 120,
          contextLength: { 'qwen2.5-coder': 16384, '*': 8192 },
          streamUsage: false,
        },
        { name: 'Proxy', kind: 'openai', url: 'https://p', contextLength: 32768 },
      ]);
    });

    const bad: [string, unknown, RegExp][] = [
      ['not an object', 'http://x', /^hearth\.servers\[0\]: expected an object/],
      ['no name', { kind: 'ollama', url: 'http://x' }, /^hearth\.servers\[0\]: "name" is missing/],
      [
        'unknown kind',
        { name: 'A', kind: 'kobold', url: 'http://x' },
        /^hearth\.servers\[0\] \("A"\): "kind" must be one of "llamacpp", .*got "kobold"/,
      ],
      ['missing kind', { name: 'A', url: 'http://x' }, /"kind" must be one of .*it is missing/],
      ['no url', { name: 'A', kind: 'ollama' }, /"url" is missing/],
      ['no scheme', { name: 'A', kind: 'ollama', url: 'localhost:11434' }, /must start with http:\/\/ or https:\/\//],
      ['ftp', { name: 'A', kind: 'ollama', url: 'ftp://h' }, /must use http or https/],
      ['credentials in url', { name: 'A', kind: 'openai', url: 'https://u:p@h' }, /user name or password/],
      ['query', { name: 'A', kind: 'openai', url: 'https://h/?key=1' }, /query/],
      ['bad url', { name: 'A', kind: 'openai', url: 'http://exa mple.com' }, /not a valid URL/],
      [
        'credentials never echoed (no scheme)',
        { name: 'A', kind: 'openai', url: 'admin:hunter2@gpu-box:8000/v1?api_key=sk-9' },
        /must start with http:\/\/ or https:\/\/ \(got "\*\*\*@gpu-box:8000\/v1\?…"\)\.$/,
      ],
      [
        'credentials never echoed (invalid URL)',
        { name: 'A', kind: 'openai', url: 'http://admin:hunter 2@gpu box/?token=sk-9' },
        /not a valid URL: "http:\/\/\*\*\*@gpu box\/\?…"\.$/,
      ],
      ['headers not object', { name: 'A', kind: 'openai', url: 'https://h', headers: ['x'] }, /"headers" must be an object/],
      [
        'header not string',
        { name: 'A', kind: 'openai', url: 'https://h', headers: { 'X-N': 1 } },
        /header "X-N" must have a string value/,
      ],
      ['header name', { name: 'A', kind: 'openai', url: 'https://h', headers: { 'Bad Name': 'x' } }, /header name "Bad Name" is not valid/],
      ['header newline', { name: 'A', kind: 'openai', url: 'https://h', headers: { 'X-A': 'a\r\nX-B: b' } }, /line breaks/],
      [
        'zero timeout',
        { name: 'A', kind: 'openai', url: 'https://h', timeoutSeconds: 0 },
        /"timeoutSeconds" must be a positive number \(got 0\)/,
      ],
      [
        'string timeout',
        { name: 'A', kind: 'openai', url: 'https://h', timeoutSeconds: '30' },
        /"timeoutSeconds" must be a positive number/,
      ],
      ['streamUsage', { name: 'A', kind: 'openai', url: 'https://h', streamUsage: 'no' }, /"streamUsage" must be true or false/],
      [
        'tiny context',
        { name: 'A', kind: 'openai', url: 'https://h', contextLength: 100 },
        /"contextLength" must be a whole number of tokens \(at least 256\).*\(got 100\)/,
      ],
      ['context as text', { name: 'A', kind: 'openai', url: 'https://h', contextLength: '8k' }, /"contextLength" must be/],
      [
        'bad per-model context',
        { name: 'A', kind: 'openai', url: 'https://h', contextLength: { m: 8192.5 } },
        /"contextLength" must be .*; "m" has 8192\.5/,
      ],
    ];
    for (const [what, entry, pattern] of bad) {
      it(`reports and skips: ${what}`, () => {
        const { servers, problems } = validateServers([entry]);
        assert.deepEqual(servers, []);
        assert.equal(problems.length, 1);
        assert.match(problems[0], pattern);
      });
    }

    it('skips only the bad entries and names them by index and name', () => {
      const { servers, problems } = validateServers([
        { name: 'Good', kind: 'llamacpp', url: 'http://127.0.0.1:8080' },
        { name: 'Broken', kind: 'llamacpp', url: 'nope' },
        null,
        { name: 'Also good', kind: 'ollama', url: 'http://127.0.0.1:11434' },
      ]);
      assert.deepEqual(
        servers.map((s) => s.name),
        ['Good', 'Also good'],
      );
      assert.equal(problems.length, 2);
      assert.match(problems[0], /^hearth\.servers\[1\] \("Broken"\): /);
      assert.match(problems[1], /^hearth\.servers\[2\]: /);
      assert.ok(problems.every((p) => p.endsWith('.')));
    });

    it('requires unique names (ignoring case), keeping the first', () => {
      const { servers, problems } = validateServers([
        { name: 'Box', kind: 'llamacpp', url: 'http://127.0.0.1:8080' },
        { name: 'box', kind: 'ollama', url: 'http://127.0.0.1:11434' },
      ]);
      assert.deepEqual(
        servers.map((s) => s.kind),
        ['llamacpp'],
      );
      assert.match(problems[0], /^hearth\.servers\[1\] \("box"\): another server is already named "box"/);
    });

    it('reports a setting that is not a list and never throws', () => {
      assert.match(validateServers({ name: 'x' }).problems[0], /must be a list/);
      for (const weird of [42, 'x', true, [undefined], [[]], [{ name: {}, kind: [], url: {} }], [Object.create(null)]]) {
        assert.doesNotThrow(() => validateServers(weird));
      }
    });
  });
});
