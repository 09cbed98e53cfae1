// The layout's rules hold: small modules, and the lint rules that keep the
// layers apart really fire (src/core/ pure, the base free of features, the
// webview talking only through the shared protocol).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../../../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('layout', function () {
  this.timeout(60_000);

  it('keeps every module under src/ below 400 lines', () => {
    const long = sourceFiles(path.join(root, 'src'))
      .map((f) => ({ file: path.relative(root, f), lines: fs.readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > 400);
    assert.deepEqual(long, []);
  });

  const eslint = new ESLint({ cwd: root });
  async function restricted(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  }

  it('refuses vscode, adapters and features in the base at src/core/', async () => {
    const found = await restricted(
      'src/core/example.ts',
      "import * as vscode from 'vscode';\nimport { Log } from '../log';\nimport { Registry } from './servers/registry';\nimport { checkReply } from './tasks/reply';\nimport { lmModels } from './lm/models';\nimport { HearthError } from './errors';\nexport const x = [vscode, Log, Registry, checkReply, lmModels, HearthError];\n",
    );
    assert.equal(found.length, 5, found.join('\n'));
  });

  it('refuses adapters in a feature under src/core/, and allows the base', async () => {
    const found = await restricted(
      'src/core/chat/example.ts',
      "import { Log } from '../../log';\nimport { HearthError } from '../errors';\nimport { Registry } from '../servers/registry';\nexport const x = [Log, HearthError, Registry];\n",
    );
    assert.equal(found.length, 1, found.join('\n'));
  });

  it("keeps the provider's pure half (src/core/lm/) free of vscode and the adapters", async () => {
    const found = await restricted(
      'src/core/lm/example.ts',
      "import * as vscode from 'vscode';\nimport { lmRegistrar } from '../../lm/api';\nimport { streamChat } from '../chat/stream';\nexport const x = [vscode, lmRegistrar, streamChat];\n",
    );
    assert.equal(found.length, 2, found.join('\n'));
  });

  it('lets the webview import only its own modules, the protocol and the shared types', async () => {
    const found = await restricted(
      'src/chat/webview/example.ts',
      "import { parseHostMessage } from '../../core/chat/protocol';\nimport type { ChatStats } from '../../core/chat/types';\nimport { h } from './dom';\nimport { HearthError } from '../../core/errors';\nimport * as fs from 'node:fs';\nimport * as vscode from 'vscode';\nexport const x: unknown[] = [parseHostMessage, h, HearthError, fs, vscode, {} as ChatStats];\n",
    );
    assert.equal(found.length, 3, found.join('\n'));
    const nested = await restricted(
      'src/chat/webview/markdown/example.ts',
      "import { h } from '../dom';\nimport type { ChatStats } from '../../../core/chat/types';\nimport { classify } from '../../../core/errors';\nexport const x: unknown[] = [h, classify, {} as ChatStats];\n",
    );
    assert.equal(nested.length, 1, nested.join('\n'));
  });
});
