// `npm run bench:chat`: the real chat webview bundle (dist/webview/webview.js and
// .css) in headless Chromium, fed a synthetic reply at 1,000 tokens/s
// (prose, lists, tables, code blocks) the way the host sends it: one delta
// per ~16 ms. Measures the sustained render rate, frame intervals and
// per-frame render time (p50/p95/max), the JS heap and DOM size, and checks
// that the history above the reply is never touched while it streams.
// Prints a table and writes bench-results/chat.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { ChatState, HostToWebview, MessageView } from '../src/core/chat/protocol';
import { chromiumLaunchOptions } from '../test/harness/workbench';
import { sampleReply, tokenize } from '../test/unit/chat/sampleReply';

const TOKENS_PER_SECOND = 1000;
const POST_EVERY_MS = 16;
/** Each scenario runs this often; the median run (by p95 render time) is reported. The machine may be busy. */
const REPEATS = 3;

interface Scenario {
  name: string;
  text: string;
  historyMessages: number;
}

interface PageResult {
  tokens: number;
  chars: number;
  streamMs: number;
  frames: number[];
  renders: number[];
  /** The streamed reply's HTML is the same as the finished message rendered at once. */
  sameAsFullRender: boolean;
  historyMutations: number;
  nodes: number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

function root(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** A dark theme's worth of the CSS variables VS Code defines in webviews. */
const THEME = `:root{--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-editor-font-family:monospace;--vscode-editor-font-size:13px;
--vscode-foreground:#ccc;--vscode-sideBar-background:#181818;--vscode-textCodeBlock-background:#222;--vscode-textLink-foreground:#4daafc;
--vscode-descriptionForeground:#9d9d9d;--vscode-debugTokenExpression-name:#c586c0;--vscode-debugTokenExpression-string:#ce9178;
--vscode-debugTokenExpression-number:#b5cea8;--vscode-symbolIcon-functionForeground:#b180d7;--vscode-symbolIcon-classForeground:#ee9d28;}`;

function historyView(count: number): MessageView[] {
  const out: MessageView[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ id: `u${i}`, role: 'user', content: `Question ${i}: how does part ${i} work?` });
    out.push({
      id: `a${i}`,
      role: 'assistant',
      content: sampleReply(150),
      stats: { model: 'bench', promptTokens: 100, completionTokens: 150, tokensPerSecond: 42, stopped: false },
    });
  }
  return out;
}

function state(scenario: Scenario): ChatState {
  const messages = [
    ...historyView(scenario.historyMessages / 2),
    { id: 'q', role: 'user' as const, content: 'Explain it all.' },
    { id: 'r', role: 'assistant' as const, content: '' },
  ];
  return {
    conversations: [{ id: 'c', title: 'Bench', created: 0, updated: 0, messageCount: messages.length }],
    current: { id: 'c', title: 'Bench', messages },
    draft: '',
    models: [{ server: 's', model: 'bench', label: 'bench' }],
    selectedModel: { server: 's', model: 'bench' },
    attachments: [],
    includeCurrentFile: false,
    includeProblems: false,
    busy: true,
    streamingId: 'r',
  };
}

/** Runs in the page: streams `tokens` at the given rate as the host would, records frames and mutations. */
async function streamInPage(args: {
  tokens: string[];
  rate: number;
  everyMs: number;
  state: ChatState & { current: NonNullable<ChatState['current']> };
}): Promise<Omit<PageResult, 'nodes'>> {
  const w = window as unknown as { hearthPerf: { renderMs: number[] } };
  const list = document.querySelector('.messages') as HTMLElement;
  const reply = document.querySelector('.message[data-id="r"]') as HTMLElement;
  let historyMutations = 0;
  const observer = new MutationObserver((records) => {
    for (const r of records) if (!reply.contains(r.target)) historyMutations++;
  });
  observer.observe(list, { childList: true, subtree: true, characterData: true, attributes: true });
  const frames: number[] = [];
  let last = performance.now();
  let running = true;
  const tick = (t: number) => {
    frames.push(t - last);
    last = t;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const rendersBefore = w.hearthPerf.renderMs.length;
  const post = (m: unknown) => window.postMessage(m, '*');
  post({ type: 'start', messageId: 'r' });
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(args.tokens.length, Math.floor(((performance.now() - started) / 1000) * args.rate));
      if (due > sent) {
        post({ type: 'delta', messageId: 'r', content: args.tokens.slice(sent, due).join('') });
        sent = due;
      }
      if (sent >= args.tokens.length) {
        clearInterval(timer);
        resolve();
      }
    }, args.everyMs);
  });
  // Let the last delta render.
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const streamMs = performance.now() - started;
  running = false;
  observer.disconnect();
  const renders = w.hearthPerf.renderMs.slice(rendersBefore);
  // Finish the reply, then add the same text as a finished message: both must show the same HTML.
  const content = args.tokens.join('');
  post({ type: 'done', messageId: 'r', content, stats: { model: 'bench', stopped: false } });
  const state = { ...args.state, busy: false, streamingId: undefined };
  const messages = state.current.messages.map((m) => (m.id === 'r' ? { ...m, content } : m));
  state.current = { ...state.current, messages: [...messages, { id: 'check', role: 'assistant', content }] };
  post({ type: 'state', state });
  await new Promise((r) => setTimeout(r, 50));
  const html = (id: string) => document.querySelector(`.message[data-id="${id}"] .message-body .stable`)?.innerHTML;
  const sameAsFullRender = !!html('r') && html('r') === html('check');
  return {
    tokens: args.tokens.length,
    chars: content.length,
    streamMs,
    frames: frames.slice(1),
    renders,
    sameAsFullRender,
    historyMutations,
  };
}

async function main(): Promise<void> {
  const dir = root();
  const js = fs.readFileSync(path.join(dir, 'dist', 'webview', 'webview.js'), 'utf8');
  const css = fs.readFileSync(path.join(dir, 'dist', 'webview', 'webview.css'), 'utf8').replace(/url\([^)]*\.ttf\)/g, 'url(about:blank)');
  const loadAtStart = os.loadavg().map((l) => round(l, 2));
  const { executablePath, args } = await chromiumLaunchOptions();
  const browser = await chromium.launch({ executablePath, args, headless: true });
  const scenarios: Scenario[] = [
    { name: '10k-token mixed reply, empty history', text: sampleReply(10_000), historyMessages: 0 },
    { name: '10k-token mixed reply, 100 messages of history', text: sampleReply(10_000), historyMessages: 100 },
    { name: 'one 400-line code block (~5k tokens)', text: codeBlock(400), historyMessages: 0 },
  ];
  const grep = process.env.HEARTH_BENCH_GREP;
  const results = [];
  try {
    for (const scenario of scenarios) {
      if (grep && !scenario.name.includes(grep)) continue;
      const runs = [];
      for (let i = 0; i < REPEATS; i++) runs.push(await runOnce(browser, scenario, js, css));
      runs.sort((a, b) => a.renderMsPerFrame.p95 - b.renderMsPerFrame.p95);
      const median = runs[Math.floor(runs.length / 2)];
      results.push({
        ...median,
        runs: runs.map((r) => ({
          sustainedTokensPerSecond: r.sustainedTokensPerSecond,
          frameIntervalP95: r.frameIntervalMs.p95,
          renderP95: r.renderMsPerFrame.p95,
        })),
      });
    }
  } finally {
    await browser.close();
  }
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      chromium: browser.version(),
      loadAverage: { start: loadAtStart, end: os.loadavg().map((l) => round(l, 2)) },
    },
    repeats: REPEATS,
    tokensPerSecond: TOKENS_PER_SECOND,
    postEveryMs: POST_EVERY_MS,
    results,
  };
  for (const r of results) {
    console.log(
      `${r.name.padEnd(48)} ${String(r.tokens).padStart(6)} tokens in ${r.streamMs} ms: ${r.sustainedTokensPerSecond} tokens/s sustained ` +
        `(render capacity ${r.renderCapacityTokensPerSecond} tokens/s); frame interval p50 ${r.frameIntervalMs.p50} / p95 ${r.frameIntervalMs.p95} / max ${r.frameIntervalMs.max} ms; ` +
        `render p95 ${r.renderMsPerFrame.p95} ms; heap ${r.jsHeapMb.afterGc} MB after GC (peak ${r.jsHeapMb.peak}); ${r.domNodes} DOM nodes; history mutations ${r.historyMutationsWhileStreaming}`,
    );
  }
  const out = path.join(dir, 'bench-results', 'chat.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${path.relative(dir, out)}`);
  const bad = results.filter((r) => !r.sameAsFullRender || r.historyMutationsWhileStreaming > 0);
  if (bad.length) {
    console.error(`FAILED: ${bad.map((r) => r.name).join(', ')} (streamed HTML differs from a full render, or history was touched)`);
    process.exitCode = 1;
  }
}

async function runOnce(browser: Browser, scenario: Scenario, js: string, css: string) {
  const page = await browser.newPage({ viewport: { width: 360, height: 900 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.setContent(
    `<!DOCTYPE html><html><head><style>${THEME}</style><style>${css}</style></head><body class="vscode-dark"><div id="app" class="app"></div></body></html>`,
  );
  await page.addScriptTag({
    content: 'window.acquireVsCodeApi = () => ({ postMessage() {}, getState() { return undefined; }, setState() {} });',
  });
  await page.addScriptTag({ content: js });
  const initial = state(scenario) as ChatState & { current: NonNullable<ChatState['current']> };
  await page.evaluate((m: HostToWebview) => window.postMessage(m, '*'), { type: 'state', state: initial } as HostToWebview);
  await page.waitForSelector('.message[data-id="r"]');
  await cdp.send('HeapProfiler.collectGarbage');
  const before = metrics(await cdp.send('Performance.getMetrics'));
  const r = await page.evaluate(streamInPage, {
    tokens: tokenize(scenario.text),
    rate: TOKENS_PER_SECOND,
    everyMs: POST_EVERY_MS,
    state: initial,
  });
  const peak = metrics(await cdp.send('Performance.getMetrics'));
  await cdp.send('HeapProfiler.collectGarbage');
  const after = metrics(await cdp.send('Performance.getMetrics'));
  await page.close();
  return {
    name: scenario.name,
    tokens: r.tokens,
    chars: r.chars,
    streamMs: round(r.streamMs, 0),
    sustainedTokensPerSecond: Math.round(r.tokens / (r.streamMs / 1000)),
    sameAsFullRender: r.sameAsFullRender,
    renderCapacityTokensPerSecond: Math.round(r.tokens / (r.renders.reduce((a, b) => a + b, 0) / 1000)),
    frames: r.frames.length,
    frameIntervalMs: { p50: round(percentile(r.frames, 50)), p95: round(percentile(r.frames, 95)), max: round(Math.max(...r.frames)) },
    renderMsPerFrame: {
      p50: round(percentile(r.renders, 50), 2),
      p95: round(percentile(r.renders, 95), 2),
      max: round(Math.max(...r.renders), 2),
    },
    historyMutationsWhileStreaming: r.historyMutations,
    jsHeapMb: { before: round(before.heap), peak: round(peak.heap), afterGc: round(after.heap) },
    domNodes: after.nodes,
  };
}

function metrics(m: { metrics: { name: string; value: number }[] }): { heap: number; nodes: number } {
  const get = (name: string) => m.metrics.find((x) => x.name === name)?.value ?? 0;
  return { heap: get('JSHeapUsedSize') / 1024 / 1024, nodes: get('Nodes') };
}

function codeBlock(lines: number): string {
  let body = '';
  for (let i = 0; i < lines; i++) body += `  const value${i} = compute(${i}, "text ${i}") + offset; // line ${i}\n`;
  return `Here is the file:\n\n\`\`\`typescript\nexport function big(offset: number) {\n${body}}\n\`\`\`\n\nThat is all.\n`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
