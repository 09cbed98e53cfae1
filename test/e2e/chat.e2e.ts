// End-to-end: a person using the Hearth chat in VS Code (web workbench in
// headless Chromium, driven by Playwright), against a fake llama.cpp and,
// when available, a real llama-server. Run by test/harness/runE2E.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import type { E2EContext, E2ECase } from './context';
import { findChatFrame, lastReplyStats, lastReplyText, MESSAGE_BOX, openChat, selectColorTheme, send, watchReply } from './chatView';

const REPLY = [
  'Here is a small helper that **formats** a list of names:',
  '',
  '```typescript',
  'export function formatNames(names: string[]): string {',
  '  // Sort a copy, then join with commas.',
  '  return [...names].sort().join(", ");',
  '}',
  '```',
  '',
  'Call it with `formatNames(["b", "a"])` to get `"a, b"`.',
  '',
  '- It does not change the input.',
  '- See the [docs](https://example.com/docs) for more.',
].join('\n');

let frame: Frame | undefined;

async function chat(ctx: E2EContext): Promise<Frame> {
  if (
    frame &&
    !frame.isDetached() &&
    (await frame
      .locator(MESSAGE_BOX)
      .count()
      .catch(() => 0))
  )
    return frame;
  frame = await openChat(ctx.page);
  return frame;
}

async function newChat(f: Frame): Promise<void> {
  await f.locator('button[aria-label="New Chat"]').click();
  await f
    .locator('.message')
    .first()
    .waitFor({ state: 'detached', timeout: 5000 })
    .catch(() => undefined);
}

async function screenshot(ctx: E2EContext, name: string): Promise<string> {
  const file = path.join(ctx.resultsDir, name);
  fs.mkdirSync(ctx.resultsDir, { recursive: true });
  await ctx.page.locator('.part.sidebar').screenshot({ path: file });
  return file;
}

export const cases: E2ECase[] = [
  {
    name: 'opens the Hearth view: message list, labelled textbox and buttons',
    async run(ctx) {
      const f = await chat(ctx);
      assert.equal(await f.locator('[role="log"]').count(), 1, 'a message list with role="log"');
      for (const label of ['Send', 'New Chat']) assert.equal(await f.locator(`button[aria-label="${label}"]`).count(), 1, label);
      assert.equal(await f.locator('button[aria-label="Stop"]').count(), 1, 'a Stop button (hidden while idle)');
      assert.equal(await f.locator('button[aria-label="Stop"]').isVisible(), false);
      await f
        .locator('select[aria-label="Model"] option', { hasText: 'fake-e2e.gguf' })
        .first()
        .waitFor({ state: 'attached', timeout: 15_000 });
      const bodyClass = await f.locator('body').getAttribute('class');
      assert.match(bodyClass ?? '', /vscode-(dark|light|high-contrast)/, 'VS Code themes the webview');
    },
  },
  {
    name: 'types and sends; the reply grows over several updates, then shows its stats',
    async run(ctx) {
      ctx.fake.routes.script = {
        reply: REPLY,
        reasoning: 'The user wants a sorted, comma-separated list; keep the input unchanged.',
        chunks: 60,
        delayMs: 35,
      };
      const f = await chat(ctx);
      await newChat(f);
      await send(f, 'How do I format a list of names?');
      await f.locator('.message.user', { hasText: 'How do I format a list of names?' }).waitFor({ timeout: 10_000 });
      const { lengths, finished } = await watchReply(f);
      assert.ok(finished);
      assert.ok(lengths.length >= 3, `the reply grew over several updates: ${lengths.join(' → ')}`);
      const stats = await lastReplyStats(f);
      assert.match(stats, /fake\.gguf · \d+ prompt \/ \d+ completion tokens · [\d.]+ tok\/s/);
      const thinking = f.locator('.message.assistant details.thinking').last();
      assert.equal(await thinking.isVisible(), true, 'a Thinking block');
      assert.equal(await thinking.getAttribute('open'), null, 'collapsed');
      assert.match((await thinking.locator('.thinking-body').textContent()) ?? '', /sorted, comma-separated/);
      const block = f.locator('.message.assistant .code-block').last();
      assert.equal(await block.getAttribute('data-lang'), 'typescript');
      for (const title of ['Copy', 'Insert at Cursor', 'Open in New File'])
        assert.equal(await block.locator(`button[title="${title}"]`).count(), 1, title);
      assert.ok((await block.locator('.hljs-keyword').count()) > 0, 'highlighted');
      assert.equal(await f.locator('.message.assistant .md-link').last().getAttribute('data-href'), 'https://example.com/docs');
      assert.equal(await f.locator('.message.assistant a[href]').count(), 0, 'links carry no href');
      assert.equal((await lastReplyText(f)).includes('formatNames'), true);
      await f.locator(MESSAGE_BOX).fill('');
      const file = await screenshot(ctx, 'chat.png');
      console.log(`    screenshot: ${file}`);
    },
  },
  {
    name: 'a tool call appears as a card: tool, arguments, result, time; it opens with the keyboard to the full arguments',
    async run(ctx) {
      ctx.fake.routes.script = {
        toolTurns: [{ calls: [{ name: 'read_file', arguments: { path: 'src/format.ts', endLine: 3 } }], pieces: 6, delayMs: 20 }],
        reply: 'It exports clamp.',
      };
      const f = await chat(ctx);
      await newChat(f);
      await send(f, 'What does format.ts export?');
      const { finished } = await watchReply(f);
      assert.ok(finished);
      const card = f.locator('.message.assistant .tool-card').last();
      await card.waitFor({ timeout: 10_000 });
      const summary = card.locator('summary');
      assert.match(
        (await summary.getAttribute('aria-label')) ?? '',
        /^Tool read_file \(path: "src\/format\.ts", endLine: 3\): lines 1-3 of \d+, \d+ (ms|s)$/,
      );
      assert.equal(await card.getAttribute('class'), 'tool-card ok');
      assert.equal(await card.getAttribute('open'), null, 'collapsed');
      await summary.focus();
      await summary.press('Enter');
      await card.locator('.tool-arguments').waitFor({ state: 'visible', timeout: 5000 });
      assert.equal(await card.locator('.tool-arguments').textContent(), '{"path":"src/format.ts","endLine":3}');
      assert.match(await lastReplyText(f), /It exports clamp\./);
      await screenshot(ctx, 'chat-tool-card.png');
    },
  },
  {
    name: 'follows light and high-contrast themes',
    async run(ctx) {
      for (const [theme, cls, file] of [
        ['Default Light Modern', 'vscode-light', 'chat-light.png'],
        ['Default High Contrast', 'vscode-high-contrast', 'chat-high-contrast.png'],
      ] as const) {
        await selectColorTheme(ctx.page, theme);
        const f = await chat(ctx);
        await f.locator(`body.${cls}`).waitFor({ timeout: 15_000 });
        await ctx.page.waitForTimeout(300);
        await screenshot(ctx, file);
      }
      await selectColorTheme(ctx.page, 'Default Dark Modern');
      await (await chat(ctx)).locator('body.vscode-dark').waitFor({ timeout: 15_000 });
    },
  },
  {
    name: 'Stop mid-stream keeps the partial reply, marked stopped, and closes the request',
    async run(ctx) {
      ctx.fake.routes.script = { reply: 'and then the story went on '.repeat(40), chunks: 300, delayMs: 30 };
      const aborts = ctx.fake.routes.clientAborts;
      const f = await chat(ctx);
      await send(f, 'Tell me a long story');
      const stop = f.locator('button[aria-label="Stop"]');
      await stop.waitFor({ state: 'visible', timeout: 10_000 });
      await watchReply(f, { until: (l) => l.length >= 3 });
      // What was on screen before Stop stays (the streaming tail may carry a
      // trailing space that the final render drops).
      const before = (await lastReplyText(f)).trimEnd();
      await stop.click();
      await f.locator('.message.assistant .message-stats', { hasText: 'stopped' }).last().waitFor({ timeout: 10_000 });
      const text = await lastReplyText(f);
      assert.ok(text.startsWith(before), `the partial text stays: ${JSON.stringify(before)} → ${JSON.stringify(text)}`);
      assert.ok(text.length < 1000, 'it stopped before the end');
      await f.locator('button[aria-label="Send"]').waitFor({ state: 'visible', timeout: 5000 });
      for (let i = 0; i < 50 && ctx.fake.routes.clientAborts === aborts; i++) await ctx.page.waitForTimeout(20);
      assert.equal(ctx.fake.routes.clientAborts, aborts + 1, 'the HTTP request was aborted');
    },
  },
  {
    name: 'Escape stops the reply; Shift+Enter makes a new line instead of sending',
    async run(ctx) {
      ctx.fake.routes.script = { reply: 'words '.repeat(300), chunks: 300, delayMs: 30 };
      const f = await chat(ctx);
      await newChat(f);
      const box = f.locator(MESSAGE_BOX);
      await box.click();
      await box.pressSequentially('first line');
      await box.press('Shift+Enter');
      await box.pressSequentially('second line');
      assert.equal(await box.inputValue(), 'first line\nsecond line');
      assert.equal(await f.locator('.message.user').count(), 0, 'nothing was sent yet');
      await box.press('Enter');
      await watchReply(f, { until: (l) => l.length >= 2 });
      await box.press('Escape');
      await f.locator('.message.assistant .message-stats', { hasText: 'stopped' }).last().waitFor({ timeout: 10_000 });
      assert.equal(await f.locator('.message.user .user-text').last().innerText(), 'first line\nsecond line');
    },
  },
  {
    name: 'scrolling up while a reply streams pauses the auto-scroll until Jump to latest',
    async run(ctx) {
      ctx.fake.routes.script = { reply: 'A line of the answer.\n\n'.repeat(200), chunks: 400, delayMs: 20 };
      const f = await chat(ctx);
      await newChat(f);
      await send(f, 'Stream a lot');
      const list = f.locator('[role="log"]');
      const distance = () => list.evaluate((l) => l.scrollHeight - l.scrollTop - l.clientHeight);
      await f.waitForFunction(
        () => {
          const l = document.querySelector('.messages');
          return !!l && l.scrollHeight > l.clientHeight + 300;
        },
        undefined,
        { timeout: 15_000 },
      );
      assert.ok((await distance()) < 40, 'it follows the newest text');
      await list.hover();
      await ctx.page.mouse.wheel(0, -400);
      await ctx.page.waitForTimeout(150);
      const top = await list.evaluate((l) => l.scrollTop);
      const length = (await lastReplyText(f)).length;
      await ctx.page.waitForTimeout(600);
      assert.ok((await lastReplyText(f)).length > length, 'the reply is still growing');
      assert.equal(await list.evaluate((l) => l.scrollTop), top, 'the view stays where the user scrolled');
      const jump = f.locator('button[aria-label="Jump to latest"]');
      assert.equal(await jump.isVisible(), true);
      await jump.click();
      await ctx.page.waitForTimeout(300);
      assert.ok((await distance()) < 40, 'back at the newest text');
      assert.equal(await jump.isVisible(), false);
      await f.locator('button[aria-label="Stop"]').click();
      await f.locator('.message.assistant .message-stats', { hasText: 'stopped' }).last().waitFor({ timeout: 10_000 });
    },
  },
  {
    name: 'edits a sent message and resends it; regenerates the last reply; copies a code block',
    async run(ctx) {
      ctx.fake.routes.script = { reply: 'First answer.' };
      const f = await chat(ctx);
      await newChat(f);
      await send(f, 'original question');
      await f.locator('.message.assistant .message-stats').last().waitFor({ timeout: 10_000 });
      const userMessage = f.locator('.message.user').last();
      await userMessage.hover();
      await userMessage.locator('button[aria-label="Edit and Resend"]').click();
      const edit = f.locator('textarea[aria-label="Edit message"]');
      await edit.fill('edited question');
      ctx.fake.routes.script = { reply: 'Answer to the edit:\n\n```python\nprint("hi")\n```\n' };
      await edit.press('Enter');
      await f.locator('.message.user .user-text', { hasText: 'edited question' }).waitFor({ timeout: 10_000 });
      await f.locator('.message.assistant', { hasText: 'Answer to the edit' }).locator('.message-stats').waitFor({ timeout: 10_000 });
      assert.equal(await f.locator('.message.user').count(), 1, 'the conversation continues from the edited message');
      assert.equal(await f.locator('.message.assistant').count(), 1);
      assert.equal(ctx.fake.routes.last.messages.at(-1).content, 'edited question');
      const copy = f.locator('.message.assistant .code-block button[title="Copy"]').last();
      await copy.click();
      await copy.locator('.codicon-check').waitFor({ timeout: 5000 }); // the host got it; the button confirms

      ctx.fake.routes.script = { reply: 'A regenerated answer.' };
      const reply = f.locator('.message.assistant').last();
      await reply.hover();
      await reply.locator('button[aria-label="Regenerate"]').click();
      await f.locator('.message.assistant', { hasText: 'A regenerated answer.' }).locator('.message-stats').waitFor({ timeout: 10_000 });
      assert.equal(await f.locator('.message.assistant').count(), 1, 'the reply was replaced');
    },
  },
  {
    name: 'the draft survives reloading VS Code',
    async run(ctx) {
      const f = await chat(ctx);
      const box = f.locator(MESSAGE_BOX);
      await box.click();
      await box.fill('');
      await box.pressSequentially('a thought I have not sent yet');
      await ctx.page.waitForTimeout(800); // the host saves the draft after a short pause
      await ctx.reload();
      frame = undefined;
      const again = await chat(ctx);
      const restored = again.locator(MESSAGE_BOX);
      for (let i = 0; i < 50 && (await restored.inputValue()) === ''; i++) await ctx.page.waitForTimeout(100);
      assert.equal(await restored.inputValue(), 'a thought I have not sent yet');
      assert.ok((await again.locator('.message').count()) > 0, 'the conversation is back too');
      await restored.fill('');
      await restored.dispatchEvent('input');
    },
  },
  {
    name: 'against the real llama-server: picks its model, streams, Stop frees the slot',
    skip: (ctx) => (ctx.real ? undefined : (ctx.realSkipReason ?? 'no real llama-server')),
    async run(ctx) {
      const real = ctx.real!;
      const f = await chat(ctx);
      await newChat(f);
      const select = f.locator('select[aria-label="Model"]');
      const label = real.model.split(/[\\/]/).pop()!;
      await select.locator('option', { hasText: label }).first().waitFor({ state: 'attached', timeout: 20_000 });
      await select.selectOption({ label });
      await f.locator('select[aria-label="Model"] option:checked', { hasText: label }).waitFor({ state: 'attached', timeout: 5000 });
      await send(f, 'Write a long story.');
      const { lengths } = await watchReply(f, { until: (l) => l.length >= 3, timeoutMs: 60_000 });
      assert.ok(lengths.length >= 3, `the reply grew: ${lengths.join(' → ')}`);
      await f.locator('button[aria-label="Stop"]').click();
      const stopped = Date.now();
      let busy = true;
      while (busy && Date.now() - stopped < 2000) {
        const slots = (await (await fetch(`${real.url}/slots`)).json()) as { is_processing: boolean }[];
        busy = slots.some((s) => s.is_processing);
        if (busy) await ctx.page.waitForTimeout(25);
      }
      assert.equal(busy, false, 'the slot is free after Stop');
      console.log(`    slot free ${Date.now() - stopped} ms after clicking Stop`);
      await f.locator('.message.assistant .message-stats', { hasText: 'stopped' }).last().waitFor({ timeout: 10_000 });
      assert.match(await lastReplyStats(f), new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · `));
    },
  },
];

export { findChatFrame };
