// Benchmark of the streaming Markdown renderer (plain Node, no browser): a
// synthetic reply with prose, lists, tables and code blocks arrives at 1,000
// tokens/s and is rendered once per 60 Hz animation frame, as the webview
// does. Reports render throughput, per-frame render time p50/p95/max and
// memory; writes bench-results/chat-render.json.
//   node esbuild.mjs --tests && node --expose-gc out/bench/chatRender.js
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { StreamingMarkdown } from '../src/chat/webview/markdown/streaming';
import { renderAll } from '../src/chat/webview/markdown/streaming';
import { sampleReply, tokenize } from '../test/unit/chat/sampleReply';

const TOKENS_PER_SECOND = 1000;
const FRAME_MS = 1000 / 60;
const REPEATS = 5;

interface Scenario {
  name: string;
  text: string;
  /** Render on every token instead of once per frame (the worst case). */
  perToken?: boolean;
}

interface Result {
  name: string;
  tokens: number;
  chars: number;
  frames: number;
  totalRenderMs: number;
  /** How many tokens per second the renderer could keep up with (chars/4 per token). */
  renderTokensPerSecond: number;
  frameMs: { p50: number; p95: number; max: number };
  /** Share of a 16.7 ms frame budget used by the p95 frame. */
  p95FrameBudget: number;
  parsedCharsPerChar: number;
  stableHtmlBytes: number;
  /** Heap growth during the stream (mostly short-lived strings). */
  heapGrowthMb: number;
  /** Heap still used after a GC with the renderer and its HTML alive (needs --expose-gc). */
  heapRetainedMb: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function run(scenario: Scenario): Result {
  const tokens = tokenize(scenario.text);
  // Group tokens into the animation frames they arrive in.
  const frames: string[] = [];
  if (scenario.perToken) frames.push(...tokens);
  else {
    const perFrame = (TOKENS_PER_SECOND * FRAME_MS) / 1000;
    for (let i = 0, carry = 0; i < tokens.length;) {
      carry += perFrame;
      const n = Math.max(1, Math.floor(carry));
      carry -= n;
      frames.push(tokens.slice(i, i + n).join(''));
      i += n;
    }
  }
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const sm = new StreamingMarkdown();
  const times: number[] = [];
  let stable = '';
  let total = 0;
  for (const chunk of frames) {
    const t0 = performance.now();
    const update = sm.append(chunk);
    const dt = performance.now() - t0;
    stable += update.stable;
    times.push(dt);
    total += dt;
  }
  const t0 = performance.now();
  stable += sm.finish().stable;
  total += performance.now() - t0;
  const heapPeak = process.memoryUsage().heapUsed;
  gc();
  // The renderer and the HTML it produced are still referenced here: what remains is what a message keeps.
  const heapAfter = process.memoryUsage().heapUsed;
  void sm;
  if (stable !== renderAll(scenario.text)) throw new Error(`${scenario.name}: streamed HTML differs from a full render`);
  const sorted = [...times].sort((a, b) => a - b);
  const p95 = percentile(sorted, 95);
  return {
    name: scenario.name,
    tokens: tokens.length,
    chars: scenario.text.length,
    frames: frames.length,
    totalRenderMs: round(total, 1),
    renderTokensPerSecond: Math.round(tokens.length / (total / 1000)),
    frameMs: { p50: round(percentile(sorted, 50)), p95: round(p95), max: round(sorted[sorted.length - 1] ?? 0) },
    p95FrameBudget: round(p95 / FRAME_MS, 3),
    parsedCharsPerChar: round(sm.work.parsedChars / scenario.text.length, 1),
    stableHtmlBytes: stable.length,
    heapGrowthMb: round((heapPeak - heapBefore) / 1024 / 1024, 2),
    heapRetainedMb: round((heapAfter - heapBefore) / 1024 / 1024, 2),
  };
}

function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

function bigCodeBlock(lines: number): string {
  let code = 'Here is the whole module:\n\n```typescript\n';
  for (let i = 0; i < lines; i++) code += `export const value${i} = compute(${i}, "item ${i}"); // note ${i}\n`;
  return `${code}\`\`\`\n\nThat is all.\n`;
}

function main(): void {
  // Warm up the JIT and highlight.js's compiled grammars.
  run({ name: 'warm-up', text: sampleReply(500) });
  const scenarios: Scenario[] = [
    { name: '1k tokens, mixed', text: sampleReply(1000) },
    { name: '4k tokens, mixed', text: sampleReply(4000) },
    { name: '1k tokens, mixed, render per token', text: sampleReply(1000), perToken: true },
    { name: 'one 300-line code block (~4.5k tokens)', text: bigCodeBlock(300) },
  ];
  // Each scenario runs REPEATS times; the run with the median total is reported (the machine may be busy).
  const results = scenarios.map((scenario) => {
    const runs = Array.from({ length: REPEATS }, () => run(scenario)).sort((a, b) => a.totalRenderMs - b.totalRenderMs);
    return { ...runs[Math.floor(runs.length / 2)], runsTotalMs: runs.map((r) => r.totalRenderMs) };
  });
  const memory = process.memoryUsage();
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    tokensPerSecond: TOKENS_PER_SECOND,
    frameMs: round(FRAME_MS, 2),
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    repeats: REPEATS,
    results,
    process: { rssMb: round(memory.rss / 1024 / 1024, 1), heapUsedMb: round(memory.heapUsed / 1024 / 1024, 1) },
  };
  for (const r of results) {
    console.log(
      `${r.name.padEnd(42)} ${String(r.tokens).padStart(5)} tokens ${String(r.frames).padStart(5)} frames  ` +
        `total ${r.totalRenderMs} ms  ${r.renderTokensPerSecond} tokens/s  ` +
        `frame p50 ${r.frameMs.p50} ms p95 ${r.frameMs.p95} ms max ${r.frameMs.max} ms  ` +
        `parsed ${r.parsedCharsPerChar}x  heap +${r.heapGrowthMb} MB (retained ${r.heapRetainedMb} MB)`,
    );
  }
  console.log(`rss ${report.process.rssMb} MB, heap ${report.process.heapUsedMb} MB`);
  const out = path.join(projectRoot(), 'bench-results', 'chat-render.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

main();
