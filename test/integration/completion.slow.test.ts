// Inline completion against a real llama-server running a slow model: the
// ~100 MB benchmark model (test/harness/models.ts), which reads a few hundred
// prompt tokens per second on this kind of machine, like a small code model on
// a laptop CPU. While keys keep coming, Hearth keeps at most one request open,
// lets the server reuse what it already read, and a suggestion arrives when
// the user pauses. Skipped with the reason when the llama env is not set or the
// model could not be made. Timing goals are for `npm run bench:fim`; this test
// checks the behaviour.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type ProxyRecord, startRecordingProxy, type RecordingProxy } from '../harness/completionProxy';
import { projectRoot } from '../harness/fixtures';
import { llamaFromEnv, startLlamaServer, type LlamaServer } from '../harness/llamaServer';
import { skipWithReason } from '../harness/skips';
import { closeEditors, completeThroughProxy, nextProvide, resetCompletion, sleep } from './completionFixture';
import { hearth } from './helpers';

const SERVER = 'Slow llama.cpp';
/** A line typed key by key at a person's pace (the gaps cycle through these). */
const LINE = 'const picked = Object.keys(options).filter(Boolean);';
const GAPS_MS = [95, 140, 120, 170, 105, 150];

describe('completion: slow llama-server', function () {
  this.timeout(240_000);
  let server: LlamaServer | undefined;
  let proxy: RecordingProxy | undefined;

  before(async function () {
    const real = llamaFromEnv();
    if (real.skipReason !== undefined) skipWithReason(this, real.skipReason);
    const model = process.env.HEARTH_TEST_SLOW_MODEL;
    if (!model || !fs.existsSync(model)) {
      skipWithReason(this, 'the slow benchmark model was not made (HEARTH_TEST_SLOW_MODEL; ../shared/llama-server/make-model.sh)');
    }
    // As people run it: two slots, a large context.
    server = await startLlamaServer({ launcher: real.launcher, model, ctx: 16384, parallel: 2, startTimeoutMs: 60_000 });
    proxy = await startRecordingProxy(server.url);
    const api = await hearth();
    await completeThroughProxy(api, SERVER, proxy.url, server.modelId);
  });

  after(async () => {
    await closeEditors();
    await resetCompletion(await hearth());
    await proxy?.close();
    await server?.stop();
  });

  it('keeps one request open while keys keep coming, reuses what the server read, and shows a suggestion in the pause', async () => {
    const api = await hearth();
    // A real source file, the cursor on a new line near its end: a long prefix to read once.
    const source = fs.readFileSync(path.join(projectRoot(), 'bench', 'fixtures', 'option.js'), 'utf8').split('\n');
    const at = Math.min(source.length - 20, 300);
    const doc = await vscode.workspace.openTextDocument({
      language: 'javascript',
      content: [...source.slice(0, at), '  ', ...source.slice(at)].join('\n'),
    });
    const opened = await vscode.window.showTextDocument(doc);
    opened.selection = new vscode.Selection(at, 2, at, 2);
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    await sleep(300);
    const from = proxy!.records.length;

    // Keys keep coming: one line at 95–170 ms between keys (VS Code asks, and gives up, at each).
    for (let i = 0; i < LINE.length; i++) {
      await vscode.commands.executeCommand('type', { text: LINE[i] });
      if (i < LINE.length - 1) await sleep(GAPS_MS[i % GAPS_MS.length]);
    }
    const editor = vscode.window.activeTextEditor!;
    const cursor = editor.selection.active;
    // The pause: a suggestion for the position the typing ended at.
    const shown = await nextProvide(
      api,
      (r) => r.items.length > 0 && r.line === cursor.line && r.character === cursor.character,
      90_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last pause: ${api.completion.session.engine?.lastMiss?.message ?? 'none'}`);
    });
    assert.ok(shown.items[0].length > 0);
    await api.completion.session.engine?.idle();

    const counts = proxy!.counts(from);
    const requests = proxy!.completions().slice(proxy!.completions().length - counts.sent);
    const evaluated = requests.map((r) => Number((r.last?.timings as Record<string, unknown> | undefined)?.prompt_n ?? NaN));
    console.log(
      `    ${LINE.length} keys: ${counts.sent} requests (${counts.aborted} closed early), most in flight ${counts.maxInFlight}; ` +
        `prompt tokens read per request: ${evaluated.join(', ')}\n${requests.map(describeRequest).join('\n')}`,
    );
    assert.equal(counts.maxInFlight, 1, 'never two requests open at once');
    assert.ok(counts.sent <= LINE.length / 3, `${counts.sent} requests for ${LINE.length} keys`);
    // The first request reads the file; the others only what changed since (the server's cache).
    const big = evaluated.slice(1).filter((n) => !(n <= 200));
    assert.deepEqual(
      big,
      [],
      `requests after the first read at most 200 new tokens each (${evaluated.join(', ')}); sent:\n${requests.map(describeRequest).join('\n')}`,
    );
    await closeEditors();
  });
});

/** What a request asked for, to tell which part of the prompt moved when the cache missed. */
function describeRequest(r: ProxyRecord): string {
  const b = r.body;
  const extra = Array.isArray(b.input_extra) ? (b.input_extra as { filename?: string; text?: string }[]) : [];
  const chunks = extra.map((c) => `${c.filename}:${c.text?.length ?? 0}`).join(' ');
  const prefix = String(b.input_prefix ?? '');
  return `  extra [${chunks}] prefix ${prefix.length} chars from "${prefix.slice(0, 30).replace(/\n/g, '\\n')}" prompt ${String(b.prompt ?? '').length} suffix ${String(b.input_suffix ?? '').length}`;
}
