// The completion adapter's pure parts: typed settings over Config.read and
// the per-language switch (the context size is core/servers/context.ts).
import assert from 'node:assert/strict';
import type { Config } from '../../../src/config';
import { enabledFor, readCompletionSettings, COMPLETION_DEFAULTS } from '../../../src/completion/settings';

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
});
