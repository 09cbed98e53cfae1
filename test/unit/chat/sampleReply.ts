// A synthetic model reply in Markdown (prose, lists, code blocks, a table)
// cut into token-sized pieces, for the renderer's tests and benchmark.

const blocks = [
  (i: number) => `## Step ${i}\n\n`,
  (i: number) =>
    `Here is **part ${i}** of the answer, with \`inline code\`, a [link](https://example.com/${i}) and some plain words that go on for a while so the paragraph has a realistic length.\n\n`,
  (i: number) => `- first point about item ${i}\n- second point, a little longer than the first\n  - a nested detail\n- third point\n\n`,
  (i: number) =>
    '```typescript\n' +
    `export function handler${i}(input: string[]): number {\n` +
    '  // Count the non-empty lines.\n' +
    '  let total = 0;\n' +
    '  for (const line of input) {\n' +
    "    if (line.trim() !== '') total += 1;\n" +
    '  }\n' +
    '  return total;\n' +
    '}\n```\n\n',
  (i: number) => `1. Run \`npm test\`\n2. Check the output of run ${i}\n3. Commit\n\n`,
  (i: number) => `| Name | Value |\n| --- | --- |\n| a${i} | 1 |\n| b${i} | 2 |\n\n`,
  (i: number) => '```python\n' + `def f${i}(xs):\n    return [x * 2 for x in xs if x > 0]\n` + '```\n\n',
  () => '> A quoted remark, for variety.\n\n',
];

/** Markdown of about `tokens` tokens (4 characters each). */
export function sampleReply(tokens: number): string {
  let text = '';
  for (let i = 0; text.length < tokens * 4; i++) text += blocks[i % blocks.length](i);
  return text.slice(0, tokens * 4);
}

/** `text` cut into pieces the size of tokens (1–7 characters, deterministic). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let seed = 7;
  for (let i = 0; i < text.length;) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const size = 1 + (seed % 7);
    out.push(text.slice(i, i + size));
    i += size;
  }
  return out;
}
