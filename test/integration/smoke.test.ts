// Smoke tests: the extension loads in a real VS Code, the fixture workspace is
// open, and a real llama-server is reachable from the extension host.
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { startLlamaOrSkip } from '../harness/llamaServer';

describe('smoke', () => {
  it('has hearth.hearth installed and activates it', async () => {
    const extension = vscode.extensions.getExtension('hearth.hearth');
    assert.ok(extension, 'hearth.hearth is not installed in the extension host');
    await extension.activate();
    assert.strictEqual(extension.isActive, true);
  });

  it('runs in the VS Code version the harness started', () => {
    const wanted = process.env.HEARTH_TEST_VSCODE;
    if (wanted) assert.strictEqual(vscode.version, wanted);
    const [major, minor] = vscode.version.split('.').map(Number);
    assert.ok(major > 1 || minor >= 100, `VS Code ${vscode.version} is older than package.json's engines.vscode (^1.100.0)`);
  });

  it('opens the fixture workspace', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    assert.strictEqual(vscode.workspace.isTrusted, true, 'the harness turns workspace trust off');
    const found = await vscode.workspace.findFiles('src/*.ts');
    const names = found.map((uri) => uri.path.split('/').pop()).sort();
    assert.deepStrictEqual(names, ['app.ts', 'format.ts']);
  });

  it('reaches a real llama-server from the extension host', async function () {
    this.timeout(60_000);
    const server = await startLlamaOrSkip(this);
    try {
      const response = await fetch(`${server.url}/health`);
      assert.strictEqual(response.status, 200);
      const body = (await response.json()) as { status?: string };
      assert.strictEqual(body.status, 'ok');
    } finally {
      await server.stop();
    }
  });
});
