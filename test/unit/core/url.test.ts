import assert from 'node:assert/strict';
import { isLoopback, joinUrl, originOf, sameOrigin } from '../../../src/core/url';
import { addSecret, forgetSecrets, redact, redactHeaders } from '../../../src/core/redact';
import { Emitter } from '../../../src/core/events';

describe('url', () => {
  it('knows loopback addresses', () => {
    for (const u of [
      'http://127.0.0.1:8080',
      'http://127.1.2.3',
      'http://localhost:11434',
      'http://LOCALHOST',
      'http://[::1]:8000',
      'http://app.localhost',
      'http://[::ffff:127.0.0.1]:80',
    ]) {
      assert.equal(isLoopback(u), true, u);
    }
    for (const u of [
      'http://128.0.0.1',
      'http://192.168.1.5:8080',
      'https://example.com',
      'http://[::2]',
      'http://localhost.example.com',
      'not a url',
      'http://0.0.0.0:8080',
    ]) {
      assert.equal(isLoopback(u), false, u);
    }
  });

  it('compares origins with default ports normalised', () => {
    assert.equal(sameOrigin('https://h.example/v1/models', 'https://h.example:443'), true);
    assert.equal(sameOrigin('http://127.0.0.1:8080/x', 'http://127.0.0.1:8080'), true);
    assert.equal(sameOrigin('http://127.0.0.1:8080', 'http://localhost:8080'), false);
    assert.equal(sameOrigin('http://h:8080', 'https://h:8080'), false);
    assert.equal(sameOrigin('garbage', 'garbage'), false);
    assert.equal(originOf('http://h:1/a?b'), 'http://h:1');
  });

  it('joins base and path', () => {
    assert.equal(joinUrl('http://h/proxy', '/v1/models'), 'http://h/proxy/v1/models');
    assert.equal(joinUrl('http://h/', 'health'), 'http://h/health');
  });
});

describe('redact', () => {
  afterEach(() => forgetSecrets());

  const table: [string, string][] = [
    ['Authorization: Bearer sk-abc123', 'Authorization: Bearer ***'],
    ['{"authorization":"Bearer xyz"}', '{"authorization":"Bearer ***"}'],
    ['authorization: raw-token', 'authorization: ***'],
    ['headers {"Authorization":"Basic dXNlcjpwYXNz"}', 'headers {"Authorization":"Basic ***"}'],
    ['sent bearer abc.def-ghi', 'sent bearer ***'],
    ['GET http://h/x?api_key=zzz&b=1', 'GET http://h/x?api_key=***&b=1'],
    ['GET http://h/x?key=zzz', 'GET http://h/x?key=***'],
    ['GET http://h/x?a=1&access_token=q#f', 'GET http://h/x?a=1&access_token=***#f'],
    ['x-api-key: abcd', 'x-api-key: ***'],
    ['{"token":"sk-1","password": "p@ss", "client_secret":"c"}', '{"token":"***","password": "***", "client_secret":"***"}'],
    ['error: invalid api-key: 12345 for model x', 'error: invalid api-key: *** for model x'],
    ['monkey=banana turkey=1', 'monkey=banana turkey=1'],
    ['GET http://127.0.0.1:8080/v1/models 200 (5 ms)', 'GET http://127.0.0.1:8080/v1/models 200 (5 ms)'],
  ];
  for (const [input, output] of table) {
    it(`${input} → ${output}`, () => assert.equal(redact(input), output));
  }

  it('masks known key values anywhere', () => {
    addSecret('s3cr3t-value');
    assert.equal(redact('body said s3cr3t-value twice: s3cr3t-value'), 'body said *** twice: ***');
    assert.equal(redact('per call: hunter22', ['hunter22']), 'per call: ***');
  });

  it('masks every header value', () => {
    assert.deepEqual(redactHeaders({ Authorization: 'Bearer x', 'X-Api-Key': 'k', 'CF-Access-Client-Secret': 'cf', Cookie: 'a=b' }), {
      Authorization: '***',
      'X-Api-Key': '***',
      'CF-Access-Client-Secret': '***',
      Cookie: '***',
    });
  });
});

describe('Emitter', () => {
  it('delivers to listeners until disposed, and survives a throwing listener', () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<number>((e) => errors.push(e));
    const seen: number[] = [];
    emitter.event(() => {
      throw new Error('boom');
    });
    const sub = emitter.event((n) => seen.push(n));
    emitter.fire(1);
    sub.dispose();
    emitter.fire(2);
    assert.deepEqual(seen, [1]);
    assert.equal(errors.length, 2);
    emitter.dispose();
    assert.equal(emitter.listenerCount, 0);
    emitter.event(() => seen.push(99)).dispose();
    emitter.fire(3);
    assert.deepEqual(seen, [1]);
  });
});
