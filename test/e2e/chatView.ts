// Drives the Hearth chat view inside VS Code's web workbench with
// Playwright: opens it from the activity bar, finds its webview (nested
// iframes), and reads what the user sees.
import type { Frame, Page } from 'playwright-core';

export const MESSAGE_BOX = 'textarea[aria-label="Message"]';

/** Opens the Hearth container from the activity bar and returns the chat webview's content frame. */
export async function openChat(page: Page, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  const icon = page.locator('.activitybar .action-item a[aria-label^="Hearth"]').first();
  await icon.waitFor({ timeout: timeoutMs });
  const sidebar = page.locator('.part.sidebar');
  if (!(await sidebar.isVisible()) || !(await sidebar.locator('.composite.title', { hasText: 'Hearth' }).count())) await icon.click();
  while (Date.now() < deadline) {
    const frame = await findChatFrame(page);
    if (frame) return frame;
    await page.waitForTimeout(200);
  }
  throw new Error('the chat webview did not appear');
}

/** The webview frame whose document holds the chat's message box. */
export async function findChatFrame(page: Page): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    try {
      if (await frame.locator(MESSAGE_BOX).count()) return frame;
    } catch {
      // a frame that went away
    }
  }
  return undefined;
}

/** Text of the last assistant message's body. */
export async function lastReplyText(frame: Frame): Promise<string> {
  const replies = frame.locator('.message.assistant .message-body');
  const n = await replies.count();
  // textContent, not innerText: finished messages use `content-visibility: auto`, and
  // innerText of one re-rendered in this frame reads '' until the next layout.
  return n ? ((await replies.nth(n - 1).textContent()) ?? '') : '';
}

export async function lastReplyStats(frame: Frame): Promise<string> {
  const stats = frame.locator('.message.assistant .message-stats');
  const n = await stats.count();
  if (!n) return '';
  const last = stats.nth(n - 1);
  return (await last.isVisible()) ? await last.innerText() : '';
}

/** Sends a message and waits for its reply to appear, so "the last reply" is the new one. */
export async function send(frame: Frame, text: string): Promise<void> {
  const replies = frame.locator('.message.assistant');
  const before = await replies.count();
  const box = frame.locator(MESSAGE_BOX);
  await box.click();
  await box.fill(text);
  await box.press('Enter');
  const deadline = Date.now() + 10_000;
  while ((await replies.count()) <= before) {
    if (Date.now() > deadline) throw new Error(`no reply appeared after sending ${JSON.stringify(text)}`);
    await frame.page().waitForTimeout(20);
  }
}

/**
 * Samples the last reply's length until its stats line appears (the reply
 * finished) or `until` says to stop; returns the distinct lengths seen.
 */
export async function watchReply(
  frame: Frame,
  options: { until?: (lengths: number[]) => boolean; timeoutMs?: number } = {},
): Promise<{ lengths: number[]; finished: boolean }> {
  const lengths: number[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    const text = await lastReplyText(frame);
    if (text.length > 0 && text.length !== lengths[lengths.length - 1]) lengths.push(text.length);
    if (await lastReplyStats(frame)) return { lengths, finished: true };
    if (options.until?.(lengths)) return { lengths, finished: false };
    await frame.page().waitForTimeout(40);
  }
  throw new Error(`the reply did not finish in time (lengths ${lengths.join(', ')})`);
}

/** Picks a color theme with VS Code's own theme picker (Ctrl+K Ctrl+T). */
export async function selectColorTheme(page: Page, theme: string): Promise<void> {
  await page.locator('.part.statusbar').click({ position: { x: 600, y: 5 } }); // focus the workbench, not a webview
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.type(theme);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
}
