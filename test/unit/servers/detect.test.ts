import assert from 'node:assert/strict';
import { detectServers, probe } from '../../../src/core/servers/detect';
import { presetServers } from '../../../src/core/servers/kinds';
import { FakeLlamaCpp, FakeLmStudio, FakeOllama, FakeOpenAI, FakeServer, freePort, sendText } from '../../fakes';
import { memoryLogger, useFakes } from '../core/helpers';

describe('detectServers', () => {
  const start = useFakes();

  it('finds each kind on its port, in parallel', async () => {
    const llama = await start(new FakeLlamaCpp());
    const ollama = await start(new FakeOllama());
    const lmstudio = await start(new FakeLmStudio());
    const vllm = await start(new FakeOpenAI());
    // Each answers after 1 s: one after the other would take 4 s or more, in parallel about 1 s (3 s leaves room for a busy machine).
    for (const f of [llama, ollama, lmstudio, vllm]) f.fault('*', '*', { delayMs: 1000 });
    const presets = presetServers({ llamacpp: llama.port, ollama: ollama.port, lmstudio: lmstudio.port, vllm: vllm.port });
    const log = memoryLogger();
    const t0 = Date.now();
    const found = await detectServers(presets, { log, timeoutMs: 5000 });
    assert.ok(Date.now() - t0 < 3000, `probes run in parallel (${Date.now() - t0} ms)`);
    assert.deepEqual(
      found.map((s) => [s.kind, s.url, s.detected]),
      [
        ['llamacpp', llama.url, true],
        ['ollama', ollama.url, true],
        ['lmstudio', lmstudio.url, true],
        ['vllm', vllm.url, true],
      ],
    );
    assert.equal(found[0].name, `llama.cpp (127.0.0.1:${llama.port})`);
    assert.match(log.text(), /auto-detect \(\d+ ms\): found llama\.cpp/);
    assert.equal(llama.lastRequest()?.headers.authorization, undefined);
  });

  it('ignores ports that answer as something else', async () => {
    const ollamaOnLlamaPort = await start(new FakeOllama());
    const web = await start(new FakeServer());
    web.route('*', '*', (_req, res) => sendText(res, 200, '<html>dev server</html>', { 'content-type': 'text/html' }));
    const llamaOnVllmPort = await start(new FakeLlamaCpp());
    const vllmOnLmStudioPort = await start(new FakeOpenAI());
    const presets = presetServers({
      llamacpp: ollamaOnLlamaPort.port,
      ollama: web.port,
      vllm: llamaOnVllmPort.port,
      lmstudio: vllmOnLmStudioPort.port,
    });
    const found = await detectServers(presets, { log: memoryLogger() });
    assert.deepEqual(found, []);
  });

  it('finds a llama.cpp that is still loading, and one without the Server header', async () => {
    const loading = await start(new FakeLlamaCpp({ loading: true }));
    assert.equal(await probe(presetServers({ llamacpp: loading.port })[0], { log: memoryLogger() }), true);
    const bare = await start(new FakeLlamaCpp());
    bare.responseHeaders = {};
    assert.equal(await probe(presetServers({ llamacpp: bare.port })[0], { log: memoryLogger() }), true);
  });

  it('gives up on silent or closed ports within the timeout, without retries', async () => {
    const hang = await start(new FakeOllama());
    hang.fault('*', '*', { hang: true });
    const closed = await freePort();
    const presets = presetServers({ llamacpp: closed, ollama: hang.port, lmstudio: 0, vllm: 0 });
    const log = memoryLogger();
    const t0 = Date.now();
    const found = await detectServers(presets, { log, timeoutMs: 150 });
    assert.deepEqual(found, []);
    assert.ok(Date.now() - t0 < 600);
    assert.equal(hang.requests.length, 1, 'no retries');
    assert.ok(
      log.lines.filter((l) => l.level !== 'info').every((l) => l.level === 'debug'),
      'probe failures are debug lines',
    );
  });

  it('detects vLLM by owned_by when /version is missing', async () => {
    const vllm = await start(new FakeOpenAI());
    vllm.fault('GET', '/version', { status: 404 });
    assert.equal(
      await probe(
        presetServers({ vllm: vllm.port }).find((p) => p.kind === 'vllm')!,
        { log: memoryLogger() },
      ),
      true,
    );
    const generic = await start(new FakeOpenAI({ flavor: 'openai' }));
    assert.equal(
      await probe(
        presetServers({ vllm: generic.port }).find((p) => p.kind === 'vllm')!,
        { log: memoryLogger() },
      ),
      false,
    );
  });
});
