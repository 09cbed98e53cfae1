import assert from 'node:assert/strict';
import { FIM_FAMILIES, isInstructModel, modelFamily } from '../../../src/core/servers/families';

describe('families', () => {
  const table: [string, string | undefined][] = [
    ['qwen2.5-coder:7b-base-q4_K_M', 'qwen'],
    ['qwen2.5-coder:1.5b', 'qwen'],
    ['Qwen/Qwen2.5-Coder-1.5B', 'qwen'],
    ['/models/qwen2.5-coder-1.5b-q8_0.gguf', 'qwen'],
    ['C:\\models\\Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf', 'qwen'],
    ['qwen3-coder:30b', 'qwen'],
    ['Qwen/Qwen3-Coder-30B-A3B-Instruct', 'qwen'],
    ['lmstudio-community/Qwen2.5-Coder-7B-Instruct-GGUF', 'qwen'],
    ['deepseek-coder:6.7b-base', 'deepseek'],
    ['deepseek-coder-v2:16b-lite-base-q4_0', 'deepseek'],
    ['deepseek-ai/DeepSeek-Coder-V2-Lite-Base', 'deepseek'],
    ['starcoder2:3b', 'starcoder'],
    ['bigcode/starcoderbase-1b', 'starcoder'],
    ['codellama:7b-code', 'codellama'],
    ['CodeLlama-13b-hf', 'codellama'],
    ['codellama:34b-code', undefined],
    ['codellama-70b-instruct.Q4_K_M.gguf', undefined],
    ['codestral:22b', 'codestral'],
    ['mistralai/Codestral-22B-v0.1', 'codestral'],
    ['codegemma:2b-code', 'codegemma'],
    ['google/codegemma-7b', 'codegemma'],
    ['llama3.2:3b', undefined],
    ['qwen2.5:7b', undefined],
    ['Qwen/Qwen3-8B', undefined],
    ['deepseek-r1:7b', undefined],
    ['gpt-4o', undefined],
    ['/models/deepseek-coder/llama-3-8b.gguf', undefined],
  ];
  for (const [id, family] of table) {
    it(`${id} → ${family ?? 'none'}`, () => assert.equal(modelFamily(id), family));
  }

  it('lists the families', () => {
    assert.deepEqual([...FIM_FAMILIES], ['qwen', 'deepseek', 'starcoder', 'codellama', 'codestral', 'codegemma']);
  });

  it('tells instruct models from base models', () => {
    assert.equal(isInstructModel('Qwen/Qwen2.5-Coder-7B-Instruct'), true);
    assert.equal(isInstructModel('codegemma:7b-it'), true);
    assert.equal(isInstructModel('qwen2.5-coder:7b-base-q4_K_M'), false);
    assert.equal(isInstructModel('/models/qwen2.5-coder-1.5b-q8_0.gguf'), false);
  });
});
