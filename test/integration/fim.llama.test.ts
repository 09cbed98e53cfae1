// Whether a real llama-server's model can fill in the middle, in VS Code
// (skipped unless HEARTH_TEST_LLAMA_SERVER and HEARTH_TEST_LLAMA_MODEL are
// set): the FIM model is used for completion without a pick; a copy without
// FIM tokens is not offered for completion and the status bar says why.
import * as assert from 'node:assert/strict';
import { llamaFromEnv, startLlamaOrSkip, startLlamaServer, type LlamaServer } from '../harness/llamaServer';
import { noFimModel } from '../harness/noFimModel';
import { resetCompletion } from './completionFixture';
import { hearth, setUserSetting, waitFor } from './helpers';

describe('completion: FIM capability from a real llama-server', function () {
  this.timeout(60_000);
  let server: LlamaServer | undefined;

  afterEach(async () => {
    await resetCompletion(await hearth());
    await server?.stop();
    server = undefined;
  });

  async function use(name: string, s: LlamaServer) {
    const api = await hearth();
    await api.choice.set('completion', undefined);
    await setUserSetting('servers', [{ name, kind: 'llamacpp', url: s.url }]);
    await waitFor('the server', () => api.registry.servers().some((x) => x.name === name));
    await api.registry.refresh({ force: true });
    return api;
  }

  it('the FIM model is found to fill in the middle and used without a pick', async function () {
    server = await startLlamaOrSkip(this, { ctx: 2048, parallel: 1 });
    const api = await use('Real FIM llama', server);
    const model = api.registry.findModel({ server: 'Real FIM llama', model: server.modelId });
    assert.deepEqual([model?.fim, model?.fimChecked], [true, true]);
    await waitFor('the automatic engine', () => {
      const s = api.completion.session.state;
      return s.kind === 'ready' && s.automatic && s.ref.model === server!.modelId;
    });
  });

  it('a model without FIM tokens is not used for completion, and the status bar says why', async function () {
    const real = llamaFromEnv();
    if (real.skipReason !== undefined) {
      console.log(`    (skipped: ${real.skipReason})`);
      this.skip();
    }
    server = await startLlamaServer({ launcher: real.launcher, model: noFimModel(real.model), ctx: 2048, parallel: 1 });
    const api = await use('Real instruct llama', server);
    const model = api.registry.findModel({ server: 'Real instruct llama', model: server.modelId });
    assert.deepEqual([model?.fim, model?.fimChecked], [false, true]);
    await waitFor('no automatic engine', () => {
      const s = api.completion.session.state;
      return s.kind === 'off' && s.reason === 'noModel';
    });
    assert.match(api.completion.status.tooltip(), /No model that can fill in the middle was found: load a code base model/);
    await api.choice.set('completion', { server: 'Real instruct llama', model: server.modelId });
    await waitFor('the reason', () => {
      const s = api.completion.session.state;
      return s.kind === 'off' && s.reason === 'noFim';
    });
    assert.match(api.completion.status.tooltip(), /has no fill-in-the-middle tokens; load a code base model/);
  });
});
