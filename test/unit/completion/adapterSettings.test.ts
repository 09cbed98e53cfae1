// The completion adapter's pure parts: typed settings over Config.read, the
// per-language switch, and the context size per server kind.
import assert from 'node:assert/strict';
import type { Config } from '../../../src/config';
import { contextFor } from '../../../src/completion/session';
import { enabledFor, readCompletionSettings, COMPLETION_DEFAULTS } from '../../../src/completion/settings';
import type { ServerConfig } from '../../../src/core/types';

function config(values: Record<string, unknown>): Config {
  return { read: <T>(key: string, fallback: T) => (key in values ? (values[key] as T) : fallback) } as unknown as Config;
}

describe('completion adapter settings', () => {
  it('defaults: on for code, off for plain text, Markdown and the commit box', () => {
    const s = readCompletionSettings(config({}));
    assert.deepEqual(s, { ...COMPLETION_DEFAULTS, samplers: undefined });
    assert.equal(enabledFor(s.enable, 'python'), true);
    for (const lang of ['plaintext', 'markdown', 'scminput']) assert.equal(enabledFor(s.enable, lang), false, lang);
  });

  it('a user map keeps the defaults it does not mention; "*" switches the rest', () => {
    const s = readCompletionSettings(config({ 'completion.enable': { '*': false, python: true } }));
    assert.equal(enabledFor(s.enable, 'python'), true);
    assert.equal(enabledFor(s.enable, 'go'), false);
    assert.equal(enabledFor(s.enable, 'markdown'), false);
    assert.equal(enabledFor(readCompletionSettings(config({ 'completion.enable': { markdown: true } })).enable, 'markdown'), true);
  });

  it('invalid values fall back to the defaults and are reported', () => {
    const warnings: string[] = [];
    const s = readCompletionSettings(
      config({
        'completion.maxLines': 0,
        'completion.rightOfCursor': 'sometimes',
        'completion.enable': { python: 'yes' },
        'completion.samplers': [],
      }),
      (m) => warnings.push(m),
    );
    assert.equal(s.maxLines, COMPLETION_DEFAULTS.maxLines);
    assert.equal(s.rightOfCursor, 'closers');
    assert.deepEqual(s.enable, COMPLETION_DEFAULTS.enable);
    assert.equal(s.samplers, undefined);
    assert.equal(warnings.length, 4);
  });

  it('debounce bounds are put in order; the template is trimmed', () => {
    const s = readCompletionSettings(
      config({ 'completion.debounceMinMs': 400, 'completion.debounceMaxMs': 100, 'completion.template': '  qwen ' }),
    );
    assert.deepEqual([s.debounceMinMs, s.debounceMaxMs], [100, 400]);
    assert.equal(s.template, 'qwen');
  });

  it('context per server kind: llama.cpp slot, Ollama num_ctx (Hearth sends none), model length elsewhere', () => {
    const server = (kind: ServerConfig['kind']): ServerConfig => ({ name: 'x', kind, url: 'http://127.0.0.1:1' });
    const model = { id: 'm', server: 'x', fim: true, contextLength: 32768 };
    const status = (nCtx?: number) => ({ server: server('llamacpp'), state: 'ok' as const, models: [], props: { nCtx } });
    assert.equal(contextFor(server('llamacpp'), status(4096), model), 4096);
    assert.equal(contextFor(server('llamacpp'), status(undefined), model), 32768);
    assert.equal(contextFor(server('ollama'), undefined, { ...model, numCtx: 8192 }), 8192);
    assert.equal(contextFor(server('ollama'), undefined, model), 2048);
    assert.equal(contextFor(server('vllm'), undefined, model), 32768);
  });
});
