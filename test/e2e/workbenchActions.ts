// Playwright actions in the VS Code workbench shared by the end-to-end tests
// and the editor-level FIM benchmark: the command palette, the completion
// model picker, Quick Open, and reading the editor's ghost text.
import type { Page } from 'playwright-core';

/** Moves the keyboard focus from a webview (the chat) back to the workbench. */
export async function focusWorkbench(page: Page): Promise<void> {
  await page.locator('.part.statusbar').click({ position: { x: 600, y: 5 } });
}

/** Runs a command from the palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Hearth: Select Completion Model, then the row whose label contains `model`. */
export async function selectCompletionModel(page: Page, model: string): Promise<void> {
  await runCommand(page, 'Hearth: Select Completion Model');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: model }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.click();
  await page.locator('.statusbar-item', { hasText: model }).filter({ hasText: 'Hearth:' }).first().waitFor({ timeout: 10_000 });
}

/** Opens a workspace file by name with Quick Open and focuses its editor. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active`, { hasText: name }).waitFor();
  await page.locator('.editor-instance .monaco-editor textarea').first().focus();
}

/** The text of the line holding the cursor as VS Code renders it, without ghost text (spaces as spaces). */
export async function cursorLineText(page: Page): Promise<string> {
  const text = await page
    .locator('.editor-instance .view-overlays .current-line')
    .first()
    .evaluate((overlay) => {
      const top = (overlay.parentElement as HTMLElement).style.top;
      const lines = [...document.querySelectorAll<HTMLElement>('.editor-instance .view-lines .view-line')];
      const line = lines.find((l) => l.style.top === top);
      if (!line) return '';
      // The document's text only: ghost text (e.g. the next suggestion after an accept) is drawn inside the line.
      const copy = line.cloneNode(true) as HTMLElement;
      for (const ghost of copy.querySelectorAll('.ghost-text-decoration, .ghost-text, .ghost-text-decoration-preview')) ghost.remove();
      return copy.textContent ?? '';
    });
  return text.replace(/\u00a0/g, ' ');
}

/** The selector of the ghost text VS Code draws in an editor (the inline part and any further lines). */
export const GHOST_TEXT_SELECTOR = '.editor-instance .ghost-text-decoration, .editor-instance .ghost-text';

/** Ghost text shown in the editor right now. */
export async function ghostText(page: Page): Promise<string> {
  const parts = await page.locator(GHOST_TEXT_SELECTOR).allInnerTexts();
  return parts.join('').replace(/\u00a0/g, ' ');
}

export async function waitForGhost(page: Page, check: (ghost: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await ghostText(page);
    if (check(last)) return last;
    await page.waitForTimeout(50);
  }
  throw new Error(`no matching ghost text within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}
