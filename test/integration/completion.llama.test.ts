// Inline completion against a real llama.cpp llama-server (skipped with the
// reason when HEARTH_TEST_LLAMA_SERVER / HEARTH_TEST_LLAMA_MODEL are not
// set), seen through a recording proxy: /infill carries input_extra from
// another open file and the server really evaluates it; typing something the
// model did not suggest cancels the running request and frees the slot.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startLlamaOrSkip, type LlamaServer } from '../harness/llamaServer';
import { closeEditors, completeThroughProxy, openAt, resetCompletion, sleep, type } from './completionFixture';
import { startRecordingProxy, type ProxyRecord, type RecordingProxy } from '../harness/completionProxy';
import { hearth, setUserSetting, waitFor } from './helpers';

const SERVER = 'Real llama.cpp (completion)';

interface Slot {
  id: number;
  is_processing: boolean;
}

function file(rel: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, rel);
}

describe('completion: real llama-server', function () {
  this.timeout(90_000);
  let server: LlamaServer | undefined;
  let proxy: RecordingProxy | undefined;
  let model = '';

  before(async function () {
    // One slot, so "idle" means the aborted request let go of the only slot.
    server = await startLlamaOrSkip(this, { ctx: 8192, parallel: 1 });
    proxy = await startRecordingProxy(server.url);
    model = server.modelId;
    const api = await hearth();
    await completeThroughProxy(api, SERVER, proxy.url, model);
  });

  after(async () => {
    await closeEditors();
    await resetCompletion(await hearth());
    await proxy?.close();
    await server?.stop();
  });

  it('sends input_extra from another open file, and the server evaluates it', async () => {
    const api = await hearth();
    await setUserSetting('completion.maxTokens', 16);
    api.completion.ring.clear();
    await vscode.window.showTextDocument(file('src/format.ts'));
    await waitFor('format.ts in the ring', () => api.completion.ring.chunks.some((c) => c.filename === 'src/format.ts'));
    const formatText = new TextDecoder().decode(await vscode.workspace.fs.readFile(file('src/format.ts')));

    const editor = await vscode.window.showTextDocument(file('src/util.py'));
    editor.selection = new vscode.Selection(17, 17, 17, 17);
    await vscode.commands.executeCommand('editor.action.insertLineAfter');
    await sleep(300);
    const before = proxy!.infills().length;
    await type('ret');
    const rec = await waitFor(
      'a finished /infill request',
      () =>
        proxy!
          .infills()
          .slice(before)
          .reverse()
          .find((r) => r.ended && r.last?.stop === true),
      20_000,
    );
    const extra = rec.body.input_extra as { filename: string; text: string }[];
    const chunk = extra.find((c) => c.filename === 'src/format.ts');
    assert.ok(chunk, `input_extra names src/format.ts (${extra.map((c) => c.filename).join(', ')})`);
    assert.ok(formatText.startsWith(chunk.text.trimEnd()), 'and carries its text');

    // The same request without input_extra, straight to the server: the prompt is
    // shorter by about the chunk (this test model's vocabulary is ~1 token per byte).
    const withExtra = Number(rec.last!.tokens_evaluated);
    const bare = { ...rec.body, input_extra: [], n_predict: 0, stream: false, cache_prompt: false };
    const res = (await (await fetch(`${server!.url}/infill`, { method: 'POST', body: JSON.stringify(bare) })).json()) as {
      tokens_evaluated: number;
    };
    const extraChars = extra.reduce((n, c) => n + c.text.length + c.filename.length, 0);
    console.log(`    prompt tokens with input_extra ${withExtra}, without ${res.tokens_evaluated}; extra text ${extraChars} chars`);
    assert.ok(withExtra - res.tokens_evaluated >= 0.9 * chunk.text.length, 'the server evaluated the extra chunk');
    const stats = await waitFor('a request from the server in the status bar', () => {
      const last = api.completion.status.lastStats;
      return last && !last.fromCache && last.promptMs !== undefined ? last : undefined;
    });
    assert.ok((stats.promptTokens ?? 0) + (stats.cachedTokens ?? 0) > 0, 'timings reached the status bar');
    await closeEditors();
  });

  it('typing what the model did not suggest cancels the running request, and the slot is free long before it would have ended', async () => {
    const api = await hearth();
    // Long generations; a long debounce keeps the next request from taking the slot again while we look.
    await setUserSetting('completion.maxTokens', 4096);
    await setUserSetting('completion.debounceMinMs', 1500);
    await setUserSetting('completion.debounceMaxMs', 1500);
    await waitFor(
      'the settings',
      () => api.completion.settings().debounceMinMs === 1500 && api.completion.session.engine?.settings.nPredict === 4096,
    );
    await openAt('def main():\n    |\n');
    const slots = async () => (await (await fetch(`${server!.url}/slots`)).json()) as Slot[];
    // A request that the server is generating (it streamed a token: llama-server notices a closed
    // connection only when it writes one) and that is still open.
    let running: ProxyRecord | undefined;
    for (let attempt = 0; attempt < 3 && !running; attempt++) {
      const before = proxy!.infills().length;
      await type('x');
      const candidate = await waitFor(
        'a running /infill request',
        () =>
          proxy!
            .infills()
            .slice(before)
            .find((r) => !r.ended && !r.closedAt),
        10_000,
      );
      await waitFor('the server to stream a token', () => candidate.last !== undefined || candidate.ended || candidate.closedAt, 10_000);
      if (!candidate.ended && !candidate.closedAt) running = candidate;
    }
    assert.ok(running, 'no request was still generating when the keystroke came');

    // This model writes lowercase letters and spaces: a digit is never what it suggested.
    const keyAt = Date.now();
    await vscode.commands.executeCommand('type', { text: '7' });
    const closedAt = await waitFor('the extension to close the request', () => running!.closedAt, 3000);
    let idleAt: number | undefined;
    for (let i = 0; i < 400 && idleAt === undefined; i++) {
      if (!(await slots()).some((s) => s.is_processing)) idleAt = Date.now();
      else await sleep(5);
    }
    assert.ok(idleAt !== undefined, 'the slot became idle');
    console.log(`    keystroke → connection closed ${closedAt - keyAt} ms; connection closed → slot idle ≤ ${idleAt - closedAt} ms`);
    // 4,096 tokens take this server many seconds; a freed slot is idle within a fraction of one.
    assert.ok(idleAt - closedAt <= 1000, `slot idle ${idleAt - closedAt} ms after the abort`);
    assert.ok(running.ended === undefined || running.ended >= closedAt, 'the request was cut off, not finished');
    await setUserSetting('completion.debounceMinMs', undefined);
    await setUserSetting('completion.debounceMaxMs', undefined);
    await closeEditors();
  });
});
