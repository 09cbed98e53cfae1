// Shared set-up of the completion integration tests: a fake llama.cpp with
// the FIM routes (/infill …) configured as the only server and its model
// selected for completion, documents opened with a cursor marker, typing
// through VS Code's own `type` command, and waiting on the provider.
import * as vscode from 'vscode';
import type { ProvideRecord } from '../../src/completion/provider';
import type { HearthApi } from '../../src/extension';
import { startLlamaCpp, type FakeLlamaCpp, type FakeRequest } from '../fakes';
import { FimFake, mountFim, type FimFakeOptions, type FimRecord } from '../fakes/fimRoutes';
import { hearth, setUserSetting, useServer, waitFor } from './helpers';

export const SERVER = 'Completion fake';
export const MODEL = '/models/qwen2.5-coder-1.5b-q8_0.gguf';

export interface CompletionFixture {
  api: HearthApi;
  llama: FakeLlamaCpp;
  fim: FimFake;
  /** The completion requests to /infill the FIM fake answered so far (not discovery's capability probe). */
  infills(): FimRecord[];
  /** Every completion request that reached /infill, faulted ones too (not the probe). */
  infillRequests(): FakeRequest[];
  close(): Promise<void>;
}

/** Completes `full` from whatever part of it the current line already has. */
export function completes(full: string): FimFakeOptions['generate'] {
  return (input) => {
    const line = input.prefix.slice(input.prefix.lastIndexOf('\n') + 1).trimStart();
    for (let k = Math.min(line.length, full.length); k >= 0; k--) {
      if (full.startsWith(line.slice(line.length - k))) return full.slice(k);
    }
    return full;
  };
}

export async function completionFixture(options: Partial<FimFakeOptions> = {}): Promise<CompletionFixture> {
  const api = await hearth();
  // The first discovery may open the walkthrough (no server found): let it, then close it.
  await api.registry.refresh();
  await closeEditors();
  const llama = await startLlamaCpp({ model: MODEL, nCtx: 8192, slots: 1 });
  const fim = mountFim(llama, new FimFake({ promptMsPerToken: 0.01, genMsPerToken: 0.5, nCtx: 8192, ...options }));
  await editorSettings();
  await useServer(api, { name: SERVER, kind: 'llamacpp', url: llama.url }, 'completion', MODEL);
  await waitFor('the completion engine', () => {
    const state = api.completion.session.state;
    return state.kind === 'ready' && state.server.url === llama.url;
  });
  await warmEditor(api);
  return {
    api,
    llama,
    fim,
    infills: () => fim.records.filter((r) => r.path === '/infill' && !isFimProbe(r.body)),
    infillRequests: () => llama.requestsTo('/infill').filter((r) => !isFimProbe(r.body as Record<string, unknown>)),
    async close() {
      await closeEditors();
      await llama.close();
    },
  };
}

/**
 * Discovery's request asking llama.cpp whether the model can fill in the
 * middle: empty prefix, suffix and prompt, one token.
 */
export function isFimProbe(body: Record<string, unknown>): boolean {
  return body.n_predict === 1 && body.input_prefix === '' && body.input_suffix === '' && body.prompt === '';
}

let warmed = false;

/**
 * In a fresh window the very first keystroke in the first editor does not
 * reach VS Code's inline-suggestion controller (seen on 1.100.3: the provider
 * is called from the second keystroke on). Type into a throw-away document
 * until the provider is called, once per window, so tests start from the
 * state a person is in after their first keystroke.
 */
export async function warmEditor(api: HearthApi): Promise<void> {
  if (warmed) return;
  let calls = 0;
  const listener = api.completion.provider.onDidProvide(() => calls++);
  try {
    await openAt('# warm-up\n|', 'plaintext');
    for (let i = 0; i < 20 && calls === 0; i++) {
      await vscode.commands.executeCommand('type', { text: 'x' });
      await sleep(200);
    }
  } finally {
    listener.dispose();
    await closeEditors();
  }
  warmed = true;
}

/** Editor settings that keep VS Code's own widgets out of the way of ghost text. */
export async function editorSettings(): Promise<void> {
  const editor = vscode.workspace.getConfiguration('editor');
  const wanted: [string, unknown][] = [
    ['quickSuggestions', { other: 'off', comments: 'off', strings: 'off' }],
    ['suggestOnTriggerCharacters', false],
    ['inlineSuggest.enabled', true],
  ];
  let changed = false;
  for (const [key, value] of wanted) {
    if (JSON.stringify(editor.inspect(key)?.globalValue) === JSON.stringify(value)) continue;
    await editor.update(key, value, vscode.ConfigurationTarget.Global);
    changed = true;
  }
  if (changed) await sleep(500); // editors pick the change up asynchronously
}

/** Puts completion settings and switches back to their defaults. */
export async function resetCompletion(api?: HearthApi): Promise<void> {
  for (const key of [
    'enable',
    'template',
    'maxLines',
    'maxTokens',
    'rightOfCursor',
    'extraContext',
    'samplers',
    'debounceMinMs',
    'debounceMaxMs',
  ]) {
    await setUserSetting(`completion.${key}`, undefined);
  }
  await setUserSetting('servers', undefined);
  if (api) {
    await api.completion.gate.setOff(false);
    await api.completion.gate.snooze(0);
    await api.choice.set('completion', undefined);
  }
}

/** Opens an untitled document (or `uri`) and puts the cursor at the `|` in `content`. */
export async function openAt(content: string, language = 'python'): Promise<vscode.TextEditor> {
  const at = content.indexOf('|');
  const text = content.replace('|', '');
  const doc = await vscode.workspace.openTextDocument({ language, content: text });
  const editor = await vscode.window.showTextDocument(doc);
  const pos = doc.positionAt(at);
  editor.selection = new vscode.Selection(pos, pos);
  await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
  await waitFor('the editor to be active', () => vscode.window.activeTextEditor?.document === doc);
  // A keystroke right after opening sometimes reaches the editor before its inline-suggestion controller.
  await sleep(300);
  return editor;
}

/** Types as a person does: one `type` command per character (each triggers VS Code's inline suggestions). */
export async function type(text: string, gapMs = 30): Promise<void> {
  for (const ch of text) {
    await vscode.commands.executeCommand('type', { text: ch });
    if (gapMs) await sleep(gapMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The next provider call that matches, after now. */
export function nextProvide(
  api: HearthApi,
  match: (r: ProvideRecord) => boolean = (r) => r.items.length > 0,
  timeoutMs = 10_000,
): Promise<ProvideRecord> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => {
      listener.dispose();
      const editor = vscode.window.activeTextEditor;
      const where = editor
        ? `${editor.document.uri.toString()} ${JSON.stringify(editor.document.getText().slice(0, 200))}`
        : 'no active editor';
      reject(new Error(`no matching provider call within ${timeoutMs} ms; saw: ${seen.slice(-5).join(' | ') || 'none'}; active: ${where}`));
    }, timeoutMs);
    const listener = api.completion.provider.onDidProvide((r) => {
      seen.push(r.items.length ? `items ${JSON.stringify(r.items)}` : `reason ${r.reason}`);
      if (!match(r)) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(r);
    });
  });
}

/** Runs an inline-suggestion command until the document changes (ghost text may take a frame to show). */
export async function runUntilChanged(editor: vscode.TextEditor, command: string, timeoutMs = 5000): Promise<void> {
  const before = editor.document.getText();
  await waitFor(
    `${command} to change the document`,
    async () => {
      await vscode.commands.executeCommand(command);
      return editor.document.getText() !== before;
    },
    timeoutMs,
  );
}

export async function closeEditors(): Promise<void> {
  for (let i = 0; i < 20 && vscode.window.visibleTextEditors.length > 0; i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Completion through a real llama-server behind the recording proxy at
 * `proxyUrl`: editor settings, samplers a random-weight model can use (flat
 * distributions make the `infill` sampler end at once), the server and model
 * chosen, the engine ready on the proxy, the editor warmed up.
 */
export async function completeThroughProxy(api: HearthApi, server: string, proxyUrl: string, model: string): Promise<void> {
  await editorSettings();
  await setUserSetting('completion.samplers', ['top_k', 'top_p', 'temperature']);
  await useServer(api, { name: server, kind: 'llamacpp', url: proxyUrl }, 'completion', model);
  await waitFor('the engine', () => {
    const s = api.completion.session.state;
    return s.kind === 'ready' && s.server.url === proxyUrl;
  });
  await warmEditor(api);
}
