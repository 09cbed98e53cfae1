// Whether a model can fill in the middle, read from a real llama-server
// (skipped unless HEARTH_TEST_LLAMA_SERVER and HEARTH_TEST_LLAMA_MODEL are
// set): the FIM model answers the /infill probe, a copy of it without FIM
// tokens gets llama.cpp's 501, which Hearth explains.
import assert from 'node:assert/strict';
import { InfillBackend } from '../../../src/core/completion/infill';
import { isHearthError } from '../../../src/core/errors';
import { ServerClient } from '../../../src/core/http';
import { discover } from '../../../src/core/servers/discovery';
import { nullLogger, type ServerConfig } from '../../../src/core/types';
import { llamaFromEnv, startLlamaOrSkip, startLlamaServer, type LlamaServer } from '../../harness/llamaServer';
import { noFimModel } from '../../harness/noFimModel';

describe('FIM capability from a real llama-server', function () {
  this.timeout(60_000);
  const servers: LlamaServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function discoverOn(server: LlamaServer) {
    const config: ServerConfig = { name: 'real', kind: 'llamacpp', url: server.url };
    const client = new ServerClient(config, { log: nullLogger });
    const fimCache = new Map<string, boolean>();
    return { status: await discover(client, config, undefined, { fimCache }), client, fimCache };
  }

  it('a model with FIM tokens answers the probe, once', async function () {
    const server = await startLlamaOrSkip(this, { ctx: 2048, parallel: 1 });
    servers.push(server);
    const { status, fimCache } = await discoverOn(server);
    assert.equal(status.state, 'ok');
    assert.deepEqual([status.models[0].fim, status.models[0].fimChecked], [true, true]);
    assert.deepEqual([...fimCache.values()], [true]);
  });

  it('a model without FIM tokens is known as such, and /infill says why', async function () {
    const real = llamaFromEnv();
    if (real.skipReason !== undefined) {
      console.log(`    (skipped: ${real.skipReason})`);
      this.skip();
    }
    let model: string;
    try {
      model = noFimModel(real.model);
    } catch (err) {
      console.log(`    (skipped: ${(err as Error).message})`);
      this.skip();
    }
    const server = await startLlamaServer({ launcher: real.launcher, model, ctx: 2048, parallel: 1 });
    servers.push(server);
    const { status, client } = await discoverOn(server);
    assert.equal(status.state, 'ok');
    assert.deepEqual([status.models[0].fim, status.models[0].fimChecked], [false, true]);
    await assert.rejects(
      new InfillBackend(client).complete({
        model: server.modelId,
        input: { inputPrefix: 'def f():\n', prompt: '    ', suffix: '\n', filename: 'a.py', indent: 4 },
        extra: [],
        nPredict: 4,
      }),
      (err: unknown) => {
        assert.ok(isHearthError(err, 'notFound'));
        assert.match(err.message, /this model has no fill-in-the-middle tokens; load a code base model/);
        assert.equal(err.status, 501);
        return true;
      },
    );
  });
});
