import assert from 'node:assert/strict';
import {
  customTemplate,
  customTemplateProblem,
  KNOWN_SPECIAL_TOKENS,
  resolveTemplate,
  TEMPLATES,
} from '../../../src/core/completion/templates';

const parts = { prefix: 'def f(x):\n    ', suffix: '\n    return y\n' };

describe('completion/templates', () => {
  describe('exact prompt strings', () => {
    const cases: [keyof typeof TEMPLATES, string][] = [
      ['qwen', '<|fim_prefix|>def f(x):\n    <|fim_suffix|>\n    return y\n<|fim_middle|>'],
      ['deepseek', '<｜fim▁begin｜>def f(x):\n    <｜fim▁hole｜>\n    return y\n<｜fim▁end｜>'],
      ['starcoder', '<fim_prefix>def f(x):\n    <fim_suffix>\n    return y\n<fim_middle>'],
      ['codellama', '<PRE> def f(x):\n     <SUF>\n    return y\n <MID>'],
      ['codestral', '[SUFFIX]\n    return y\n[PREFIX] def f(x):\n    '],
      ['codegemma', '<|fim_prefix|>def f(x):\n    <|fim_suffix|>\n    return y\n<|fim_middle|>'],
    ];
    for (const [family, expected] of cases) {
      it(family, () => assert.equal(TEMPLATES[family].format(parts), expected));
    }
  });

  it('DeepSeek uses full-width bars and the ▁ block, not ASCII', () => {
    const p = TEMPLATES.deepseek.format(parts);
    assert.ok(p.includes('\uff5c') && p.includes('\u2581'));
    assert.ok(!p.includes('<|'));
  });

  describe('stop tokens', () => {
    const cases: [keyof typeof TEMPLATES, string[]][] = [
      [
        'qwen',
        [
          '<|endoftext|>',
          '<|fim_prefix|>',
          '<|fim_suffix|>',
          '<|fim_middle|>',
          '<|fim_pad|>',
          '<|repo_name|>',
          '<|file_sep|>',
          '<|im_start|>',
          '<|im_end|>',
        ],
      ],
      ['deepseek', ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜end▁of▁sentence｜>', '<|EOT|>']],
      ['starcoder', ['<|endoftext|>', '<file_sep>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<repo_name>']],
      ['codellama', ['<EOT>', '<PRE>', '<SUF>', '<MID>', '</s>']],
      ['codestral', ['[PREFIX]', '[SUFFIX]', '[MIDDLE]', '</s>']],
      ['codegemma', ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<end_of_turn>', '<eos>']],
    ];
    for (const [family, stop] of cases) {
      it(family, () => assert.deepEqual([...TEMPLATES[family].stop], stop));
    }
    it('collects every family token for leak removal', () => {
      for (const t of ['<|file_sep|>', '<｜fim▁end｜>', '<EOT>', '[SUFFIX]', '<|file_separator|>'])
        assert.ok(KNOWN_SPECIAL_TOKENS.includes(t), t);
    });
  });

  describe('repository-level prompts', () => {
    const repo = { ...parts, filename: 'src/a.py', repoName: 'proj', extra: [{ filename: 'src/b.py', text: 'B = 1' }] };
    it('Qwen: <|repo_name|>, <|file_sep|>path\\n per file, then the FIM part', () => {
      assert.equal(
        TEMPLATES.qwen.format(repo),
        '<|repo_name|>proj\n<|file_sep|>src/b.py\nB = 1\n<|file_sep|>src/a.py\n<|fim_prefix|>def f(x):\n    <|fim_suffix|>\n    return y\n<|fim_middle|>',
      );
    });
    it('StarCoder2: <repo_name>name<file_sep>path\\ncode…<file_sep><fim_prefix>path\\n…', () => {
      assert.equal(
        TEMPLATES.starcoder.format(repo),
        '<repo_name>proj<file_sep>src/b.py\nB = 1<file_sep><fim_prefix>src/a.py\ndef f(x):\n    <fim_suffix>\n    return y\n<fim_middle>',
      );
    });
    it('families without file tokens ignore the file name and extra files', () => {
      assert.equal(TEMPLATES.deepseek.format(repo), TEMPLATES.deepseek.format(parts));
      assert.equal(TEMPLATES.codegemma.format(repo), TEMPLATES.codegemma.format(parts));
    });
  });

  describe('custom templates', () => {
    it('fills {prefix}, {suffix}, {filename} once (no re-substitution of typed braces)', () => {
      const t = customTemplate('<PRE>{filename}\n{prefix}<SUF>{suffix}<MID>');
      assert.equal(t.format({ prefix: 'a{suffix}', suffix: 'b', filename: 'x.ts' }), '<PRE>x.ts\na{suffix}<SUF>b<MID>');
      assert.deepEqual([...t.stop], ['<PRE>', '<SUF>', '<MID>']);
      assert.equal(t.repoLevel, true);
    });
    it('uses given stop tokens', () => {
      assert.deepEqual([...customTemplate('{prefix}@@{suffix}', ['@@']).stop], ['@@']);
    });
    it('reports a missing placeholder', () => {
      assert.match(customTemplateProblem('{prefix} only') ?? '', /\{suffix\}/);
      assert.match(customTemplateProblem('{suffix} only') ?? '', /\{prefix\}/);
      assert.equal(customTemplateProblem('{prefix}{suffix}'), undefined);
    });
  });

  describe('resolveTemplate', () => {
    it('auto-detects the family from the model id', () => {
      const r = resolveTemplate('qwen2.5-coder:7b-base-q4_K_M', 'auto');
      assert.equal(r.source, 'auto');
      assert.equal(r.family, 'qwen');
      assert.equal(r.template?.id, 'qwen');
      assert.match(r.description, /Qwen/);
    });
    it('detects from GGUF paths and HF ids', () => {
      assert.equal(resolveTemplate('/models/deepseek-coder-1.3b-base.Q8_0.gguf').family, 'deepseek');
      assert.equal(resolveTemplate('bigcode/starcoder2-3b').family, 'starcoder');
      assert.equal(resolveTemplate('codestral:22b').family, 'codestral');
      assert.equal(resolveTemplate('codegemma:2b-code').family, 'codegemma');
      assert.equal(resolveTemplate('codellama:7b-code').family, 'codellama');
    });
    it('says so when auto finds nothing, without guessing', () => {
      const r = resolveTemplate('llama3.1:8b', 'auto');
      assert.equal(r.source, 'none');
      assert.equal(r.template, undefined);
      assert.match(r.description, /No FIM template known for "llama3.1:8b"/);
    });
    it('a family name in settings wins over detection', () => {
      const r = resolveTemplate('qwen2.5-coder:1.5b', 'starcoder');
      assert.equal(r.source, 'setting');
      assert.equal(r.template?.id, 'starcoder');
    });
    it('a custom string in settings', () => {
      const r = resolveTemplate('anything', '<A>{prefix}<B>{suffix}<C>');
      assert.equal(r.source, 'setting');
      assert.equal(r.template?.id, 'custom');
      assert.equal(r.template?.format({ prefix: 'p', suffix: 's' }), '<A>p<B>s<C>');
    });
    it('an invalid setting falls back to auto and reports the problem', () => {
      const r = resolveTemplate('qwen2.5-coder', 'qwen3');
      assert.equal(r.source, 'auto');
      assert.match(r.problem ?? '', /Unknown FIM template "qwen3"/);
      const bad = resolveTemplate('mystery', '{prefix} without suffix');
      assert.equal(bad.source, 'none');
      assert.match(bad.problem ?? '', /\{suffix\}/);
    });
    it('warns about instruct models', () => {
      assert.match(resolveTemplate('Qwen2.5-Coder-7B-Instruct').description, /instruct model/);
    });
  });
});
