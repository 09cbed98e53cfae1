// Inline completion in a real VS Code against a fake llama.cpp /infill:
// typing shows ghost text and Tab (inlineSuggest.commit) inserts it; VS
// Code's accept-word / accept-line and next / previous work on Hearth's
// items; per-language disable, Snooze and Toggle stop automatic requests;
// the status bar spins, then shows the request's numbers and template; an
// error reaches the status bar and at most one notification.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  completes,
  completionFixture,
  MODEL,
  nextProvide,
  openAt,
  resetCompletion,
  runUntilChanged,
  SERVER,
  sleep,
  type,
  type CompletionFixture,
} from './completionFixture';
import { setUserSetting, vscodeAtLeast, waitFor } from './helpers';
import { skipWithReason } from '../harness/skips';
import { startLlamaCpp } from '../fakes';

/**
 * The provider has answered; VS Code shows the ghost text a moment later, and
 * next/previous do nothing until it is visible (their precondition).
 */
function ghostShown(): Promise<void> {
  return sleep(300);
}

const FUNC = 'def add(a, b):\n    |\n\nprint(add(1, 2))\n';

/** The completion part of the status bar tooltip, as text (the item's MarkdownString escapes it). */
function tooltipText(f: CompletionFixture): string {
  const t = f.api.statusBar.item.tooltip;
  const shown = (typeof t === 'string' ? t : (t?.value ?? '')).replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
  const text = f.api.completion.status.tooltip();
  for (const line of text.split('\n\n')) assert.ok(shown.includes(line), `the status bar tooltip shows ${JSON.stringify(line)}`);
  return text + (/Last error: .*/.exec(shown)?.[0] ?? '');
}

describe('completion: ghost text in the editor', function () {
  this.timeout(30_000);
  let f: CompletionFixture | undefined;

  afterEach(async () => {
    await f?.close();
    await resetCompletion(f?.api);
    f = undefined;
  });

  it('typing shows ghost text from the server and Tab inserts it', async () => {
    f = await completionFixture({ generate: completes('return a + b') });
    const editor = await openAt(FUNC);
    const asked = nextProvide(f.api, (r) => r.character === 7);
    // The whole answer (on a loaded machine its first words may be shown first, then the rest).
    const shown = nextProvide(f.api, (r) => r.character === 7 && r.items[0] === 'urn a + b');
    await type('ret');
    assert.equal((await asked).explicit, false, 'an automatic trigger, from typing');
    assert.deepEqual((await shown).items, ['urn a + b']);
    await runUntilChanged(editor, 'editor.action.inlineSuggest.commit');
    assert.equal(editor.document.lineAt(1).text, '    return a + b');
    assert.equal(editor.document.getText(), 'def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n', 'nothing else changed');
    const body = f.infills()[0].body;
    assert.equal(body.stream, true);
    assert.equal(body.cache_prompt, true);
    assert.equal(body.input_prefix, 'def add(a, b):\n');
    assert.match(String(body.prompt), /^ {4}r(e|et)?$/, 'the current line up to the cursor');
    assert.equal(body.input_suffix, '\n\nprint(add(1, 2))\n');
    assert.equal(typeof body.n_indent, 'number');
    await waitFor('the accept to be counted', () => f!.api.completion.session.engine!.totals.accepted >= 1);
  });

  it('accepts the next word and the next line of a suggestion', async () => {
    f = await completionFixture({ generate: completes('total = a + b\n    return total') });
    const editor = await openAt(FUNC);
    const shown = nextProvide(f.api, (r) => r.character === 6 && r.items[0] === 'tal = a + b\n    return total');
    await type('to');
    await shown;
    await runUntilChanged(editor, 'editor.action.inlineSuggest.acceptNextWord');
    assert.equal(editor.document.lineAt(1).text.trimEnd(), '    total', 'one word accepted');
    await runUntilChanged(editor, 'editor.action.inlineSuggest.acceptNextLine');
    assert.equal(editor.document.lineAt(1).text, '    total = a + b', 'the rest of the line accepted (with its line break)');
    assert.doesNotMatch(editor.document.getText(), /return total/, 'but not the next line');
  });

  it('next / previous switch between the whole block and its first line', async function () {
    // Known difference, not yet handled: on VS Code 1.139 Show Next keeps the whole block (its inline
    // suggestions no longer cycle to the provider's one-line item the way 1.100 does).
    if (vscodeAtLeast('1.139.0')) return skipWithReason(this, `Show Next does not cycle to the one-line item on VS Code ${vscode.version}`);
    /**
     * VS Code's next/previous ask the provider again (explicitly, the first
     * time), then move; the command does not wait for that.
     */
    const cycle = async (which: 'showNext' | 'showPrevious') => {
      const asked = nextProvide(f!.api, (r) => r.explicit && r.items.length === 2, 1000).catch(() => undefined);
      await vscode.commands.executeCommand(`editor.action.inlineSuggest.${which}`);
      await asked;
      await ghostShown();
    };
    f = await completionFixture({ generate: completes('total = a + b\n    return total') });
    const editor = await openAt(FUNC);
    const shown = nextProvide(f.api, (r) => r.items.length === 2 && r.character === 6);
    await type('to');
    const record = await shown;
    assert.deepEqual(record.items, ['tal = a + b\n    return total', 'tal = a + b']);
    await ghostShown();
    await cycle('showNext');
    await runUntilChanged(editor, 'editor.action.inlineSuggest.commit');
    assert.equal(
      editor.document.getText(),
      'def add(a, b):\n    total = a + b\n\nprint(add(1, 2))\n',
      'Show Next picked the one-line item',
    );

    await vscode.commands.executeCommand('editor.action.insertLineAfter');
    const again = nextProvide(f.api, (r) => r.items.length === 2 && r.character === 6);
    await type('to');
    await again;
    await ghostShown();
    await cycle('showNext');
    await cycle('showPrevious');
    await runUntilChanged(editor, 'editor.action.inlineSuggest.commit');
    assert.equal(editor.document.lineAt(2).text, '    total = a + b');
    assert.equal(editor.document.lineAt(3).text, '    return total', 'Show Previous went back to the block');
  });

  it('is off for a language turned off in hearth.completion.enable, and for plain text by default', async () => {
    f = await completionFixture({ generate: completes('return a + b') });
    await setUserSetting('completion.enable', { python: false });
    await waitFor('the setting', () => f!.api.completion.settings().enable.python === false);
    await openAt(FUNC);
    const blocked = nextProvide(f.api, (r) => !!r.reason?.includes('this language'));
    await type('ret');
    await blocked;
    await openAt('Some notes |', 'plaintext');
    const plain = nextProvide(f.api, (r) => !!r.reason?.includes('this language'));
    await type('a');
    await plain;
    await sleep(200);
    assert.equal(f.infills().length, 0, 'no request was sent');

    // Trigger Completion is the user asking: it works anyway.
    const asked = nextProvide(f.api, (r) => r.explicit && r.items.length > 0);
    await vscode.commands.executeCommand('hearth.triggerCompletion');
    await asked;
    assert.ok(f.infills().length >= 1);
  });

  it('completes nothing automatically in a file that looks like a secret (.env)', async () => {
    f = await completionFixture({ generate: completes('return a + b') });
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, '.env');
    const editor = await vscode.window.showTextDocument(uri);
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    await sleep(300);
    const blocked = nextProvide(f.api, (r) => !!r.reason?.includes('look like secrets'));
    await type('X');
    await blocked;
    await sleep(150);
    assert.equal(f.infillRequests().length, 0, 'nothing from .env reached the server');
  });

  it('Snooze stops automatic completion until it ends or the user resumes', async () => {
    f = await completionFixture({ generate: completes('return a + b') });
    await vscode.commands.executeCommand('hearth.snoozeCompletions', 15);
    assert.ok(f.api.completion.gate.snoozedUntil! > Date.now() + 14 * 60_000);
    assert.match(f.api.statusBar.item.text, /\$\(clock\)/);
    assert.match(tooltipText(f), /snoozed until/);
    await openAt(FUNC);
    const blocked = nextProvide(f.api, (r) => r.reason === 'Completions are snoozed.');
    await type('r');
    await blocked;
    await sleep(150);
    assert.equal(f.infills().length, 0);

    await vscode.commands.executeCommand('hearth.snoozeCompletions', 0);
    const shown = nextProvide(f.api);
    await type('e');
    await shown;
    assert.equal(f.infills().length >= 1, true);
    assert.doesNotMatch(f.api.statusBar.item.text, /\$\(clock\)/);
  });

  it('Toggle turns automatic completion off and on again', async () => {
    f = await completionFixture({ generate: completes('return a + b') });
    await vscode.commands.executeCommand('hearth.toggleCompletions');
    assert.equal(f.api.completion.gate.off, true);
    assert.match(f.api.statusBar.item.text, /\$\(circle-slash\)/);
    await openAt(FUNC);
    const blocked = nextProvide(f.api, (r) => !!r.reason?.startsWith('Completions are turned off'));
    await type('r');
    await blocked;
    await sleep(150);
    assert.equal(f.infills().length, 0);
    await vscode.commands.executeCommand('hearth.toggleCompletions');
    assert.equal(f.api.completion.gate.off, false);
    const shown = nextProvide(f.api);
    await type('e');
    await shown;
    assert.ok(f.infills().length >= 1);
  });

  it('spins while a request runs, then shows its numbers and the template in the tooltip', async () => {
    // A slow prompt (the spinner shows) and a quick answer (whole before it would be shown in part, so no cache hit follows).
    f = await completionFixture({ generate: completes('return a + b'), promptMsPerToken: 10, genMsPerToken: 1 });
    await openAt(FUNC);
    const shown = nextProvide(f.api);
    await type('ret');
    await waitFor('the spinner', () => f!.api.statusBar.item.text.includes('$(loading~spin)'), 5000);
    await shown;
    await waitFor('the spinner to stop', () => !f!.api.statusBar.item.text.includes('$(loading~spin)'));
    const tip = tooltipText(f);
    assert.match(tip, /Backend: llama\.cpp \/infill/);
    assert.match(tip, /FIM template: the model's own FIM tokens/);
    assert.match(tip, /Last completion \(.*\): prompt \d+ ms \(\d+ new(, [\d,]+ cached)?\) · \d+ tokens in \d+ ms · not from cache/);
  });

  it('says which template a raw-prompt server uses, and when none is known', async () => {
    f = await completionFixture({ generate: completes('return a + b') });
    await setUserSetting('completion.template', 'deepseek');
    await waitFor('the template', () => {
      const s = f!.api.completion.session.state;
      return s.kind === 'ready' && s.backend === 'llama.cpp /v1/completions' && s.template.startsWith('DeepSeek-Coder (from settings)');
    });
    await setUserSetting('completion.template', 'nonsense');
    await waitFor('auto again', () => {
      const s = f!.api.completion.session.state;
      return s.kind === 'ready' && s.backend === 'llama.cpp /infill';
    });
  });

  it('shows an error in the status bar and at most one notification per kind', async () => {
    let failing = true;
    f = await completionFixture({
      generate: completes('return a + b'),
      fault: () => (failing ? { kind: 'status', status: 500 } : undefined),
    });
    await openAt(FUNC);
    const seen: string[] = [];
    f.api.completion.provider.onDidProvide((r) => seen.push(`${r.character} ${r.reason}`));
    await type('ret', 120);
    await waitFor('the error', () => f!.api.completion.status.lastError?.code === 'server');
    await type('u', 120);
    await waitFor('a second failed request', () => f!.infillRequests().length >= 2).catch((err: Error) => {
      throw new Error(
        `${err.message}; provider: ${seen.join(' | ')}; text: ${JSON.stringify(vscode.window.activeTextEditor?.document.getText())}`,
      );
    });
    // The second failure reached the server; the spinner shows until its answer is read.
    await waitFor('the warning icon', () => /\$\(warning\)/.test(f!.api.statusBar.item.text), 5000);
    assert.match(tooltipText(f), /Last error: .*internal error \(500\)/);
    assert.equal(f.api.completion.status.notices.filter((n) => n.kind === 'error:server').length, 1);
    failing = false;
    const shown = nextProvide(f.api);
    await type('r');
    await shown;
    await waitFor('the error to clear', () => f!.api.completion.status.lastError === undefined);
  });

  it('with no model selected uses the only model that can fill in the middle, and says so', async () => {
    f = await completionFixture({ generate: completes('return a + b') });
    await f.api.choice.set('completion', undefined);
    await waitFor('the automatic engine', () => {
      const state = f!.api.completion.session.state;
      return state.kind === 'ready' && state.automatic && state.ref.model === MODEL;
    });
    assert.match(f.api.statusBar.item.text, /\(auto\)/);
    assert.match(tooltipText(f), /used because it is the only model that can fill in the middle/);
    await openAt(FUNC);
    // The whole answer (on a loaded machine its first words may be shown first, then the rest).
    const shown = nextProvide(f.api, (r) => r.character === 7 && r.items[0] === 'urn a + b');
    await type('ret');
    assert.deepEqual((await shown).items, ['urn a + b']);
    assert.equal(f.api.choice.get('completion'), undefined, 'nothing was chosen for the user');
  });

  it('with several models that can fill in the middle sends nothing and offers a pick once', async () => {
    f = await completionFixture();
    const second = await startLlamaCpp({ model: '/models/deepseek-coder-1.3b-base.gguf' });
    try {
      await setUserSetting('servers', [
        { name: SERVER, kind: 'llamacpp', url: f.llama.url },
        { name: 'Second fake', kind: 'llamacpp', url: second.url },
      ]);
      await f.api.choice.set('completion', undefined);
      await waitFor(
        'both servers',
        async () => (await f!.api.registry.refresh({ force: true })).filter((s) => s.state === 'ok').length === 2,
      );
      await waitFor('no engine', () => f!.api.completion.session.state.kind === 'off');
      await openAt(FUNC);
      const none = nextProvide(f.api, (r) => !!r.reason?.startsWith('No completion model selected'));
      await type('r');
      await none;
      assert.match(tooltipText(f), /No completion model selected: 2 models can fill in the middle; run "Hearth: Select Completion Model"/);
      const offer = f.api.completion.status.notices.find((n) => n.kind === 'noModel');
      assert.deepEqual(
        offer?.actions.map((a) => a.label),
        ['Select Completion Model'],
        'offered once (per installation)',
      );
      assert.equal(f.infills().length, 0);
    } finally {
      await second.close();
    }
  });
});
