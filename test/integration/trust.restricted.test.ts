// Restricted Mode: workspace trust on and this folder not trusted (the
// runner starts this workbench so). Chat and completion work, and the
// workspace's values of the settings that shape what is sent are ignored
// (here: a FIM template) because package.json lists them as restricted.
// (VS Code enables an extension under development even in Restricted Mode,
// so activation proves nothing here; a unit test checks that package.json
// declares limited support.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { chatFixture, resetChatSettings } from './chatHelpers';
import { closeEditors, completes, completionFixture, nextProvide, openAt, resetCompletion, type } from './completionFixture';
import { hearth, waitFor } from './helpers';

const FUNC = 'def add(a, b):\n    |\n\nprint(add(1, 2))\n';

describe('Restricted Mode: an untrusted folder', function () {
  this.timeout(60_000);

  after(async () => {
    await vscode.workspace.getConfiguration('hearth').update('completion.template', undefined, vscode.ConfigurationTarget.Workspace);
    await resetChatSettings();
    await resetCompletion(await hearth());
  });

  before(() => {
    assert.equal(vscode.workspace.isTrusted, false, 'the runner opens this folder untrusted, with workspace trust on');
  });

  it('the chat works', async () => {
    const f = await chatFixture({ reply: 'restricted but working' });
    try {
      await f.api.chat.controller.send('hello from an untrusted folder');
      assert.equal(f.api.chat.controller.current.messages[1].content, 'restricted but working');
    } finally {
      await f.close();
    }
  });

  it('completion works, and ignores a FIM template set by the workspace', async () => {
    await vscode.workspace.getConfiguration('hearth').update('completion.template', 'codellama', vscode.ConfigurationTarget.Workspace);
    const file = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, '.vscode', 'settings.json');
    const written = Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8');
    assert.match(written, /"hearth\.completion\.template":\s*"codellama"/, 'the workspace has its own template');
    const seen = vscode.workspace.getConfiguration('hearth').inspect<string>('completion.template');
    assert.equal(seen?.workspaceValue, undefined, 'VS Code itself ignores it (restrictedConfigurations)');
    assert.equal(vscode.workspace.getConfiguration('hearth').get('completion.template'), 'auto');
    const f = await completionFixture({ generate: completes('return a + b') });
    try {
      assert.equal(f.api.completion.settings().template, 'auto', 'and so does Hearth');
      const state = f.api.completion.session.state;
      assert.ok(state.kind === 'ready' && state.backend === 'llama.cpp /infill', 'the model’s own FIM tokens, not Code Llama’s template');
      await openAt(FUNC);
      // The whole answer (on a loaded machine its first words may be shown first, then the rest).
      const shown = nextProvide(f.api, (r) => r.character === 7 && r.items[0] === 'urn a + b');
      await type('ret');
      assert.deepEqual((await shown).items, ['urn a + b']);
      await waitFor('an /infill request', () => f.infills().length > 0);
      assert.equal(f.fim.records.filter((r) => r.path === '/v1/completions').length, 0);
    } finally {
      await closeEditors();
      await f.close();
    }
  });
});
