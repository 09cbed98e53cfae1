// Types a TypingPlan into the open editor through Playwright, one real
// keystroke at a time on a fixed schedule, while the page itself records when
// each key went down and every change of the ghost text VS Code draws
// (a MutationObserver on the editor; `.ghost-text-decoration`,
// `.ghost-text`). Both clocks are the page's Date.now().
import type { Page } from 'playwright-core';
import { GHOST_TEXT_SELECTOR } from '../test/e2e/workbenchActions';
import type { TypingPlan } from './fim-editor-typing';

export interface GhostChange {
  at: number;
  /** The ghost text now shown ('' when none). */
  text: string;
}

export interface Timeline {
  /** When each planned keystroke went down (page clock; node clock when the page's count differs). */
  keyTimes: number[];
  ghost: GhostChange[];
  /** The ghost text shown when the typing began. */
  ghostAtStart: string;
  startedAt: number;
  endedAt: number;
  /** The longest a single key press took to be delivered (ms): a busy machine delays keystrokes. */
  slowestKeyMs: number;
  /** When the recording was read: ghost changes until then are in `ghost`. */
  readAt: number;
  /** Whose clock `keyTimes` are: the page's keydown events, or when node sent the keys (if the page saw another count). */
  keyClock: 'page' | 'node';
}

/** The typing as done: when each keystroke was sent (node clock). */
export type Typed = Omit<Timeline, 'keyTimes' | 'ghost' | 'readAt' | 'keyClock'> & { sent: number[] };

interface Recorder {
  keys: number[];
  ghost: GhostChange[];
}

/** Starts (or restarts) recording keydowns and ghost text changes in the page. */
export async function startRecording(page: Page): Promise<void> {
  await page.evaluate((selector) => {
    const w = window as unknown as { __benchRecorder?: Recorder & { stop(): void } };
    w.__benchRecorder?.stop();
    const recorder: Recorder = { keys: [], ghost: [] };
    // Only the open editor is watched: the rest of the workbench changes too, and this runs on every change.
    const root = document.querySelector('.editor-instance') ?? document.body;
    const current = () =>
      [...root.querySelectorAll(selector)]
        .map((e) => e.textContent ?? '')
        .join('')
        .replace(/\u00a0/g, ' ');
    let last = current();
    const observer = new MutationObserver(() => {
      const now = current();
      if (now !== last) recorder.ghost.push({ at: Date.now(), text: now });
      last = now;
    });
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    const onKey = (e: KeyboardEvent) => {
      if (!['Shift', 'Control', 'Alt', 'Meta'].includes(e.key)) recorder.keys.push(Date.now());
    };
    window.addEventListener('keydown', onKey, true);
    w.__benchRecorder = Object.assign(recorder, {
      stop() {
        observer.disconnect();
        window.removeEventListener('keydown', onKey, true);
      },
    });
  }, GHOST_TEXT_SELECTOR);
}

/** What the page recorded so far, with the keystroke times of `typed`. */
export async function readTimeline(page: Page, typed: Typed): Promise<Timeline> {
  const rec = await page.evaluate(() => {
    const r = (window as unknown as { __benchRecorder: Recorder }).__benchRecorder;
    return { keys: [...r.keys], ghost: [...r.ghost] };
  });
  const { sent, ...rest } = typed;
  const pageSawAll = rec.keys.length === sent.length;
  return { ...rest, keyTimes: pageSawAll ? rec.keys : sent, keyClock: pageSawAll ? 'page' : 'node', ghost: rec.ghost, readAt: Date.now() };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Types `plan.keys`, each `gapMs` after the previous one was sent — never
 * sooner, so a key press that a busy machine delayed does not make the
 * following ones come in a burst (the typing then takes longer) — and stays
 * idle for the final pause. Never presses Tab: ghost text is not accepted.
 */
export async function typePlan(page: Page, plan: TypingPlan): Promise<Typed> {
  await startRecording(page);
  const ghostAtStart = (
    await page.evaluate(
      (selector) => [...document.querySelectorAll(selector)].map((e) => e.textContent ?? '').join(''),
      GHOST_TEXT_SELECTOR,
    )
  ).replace(/\u00a0/g, ' ');
  const sent: number[] = [];
  const startedAt = Date.now();
  let previous = startedAt;
  let slowestKeyMs = 0;
  for (const key of plan.keys) {
    const wait = previous + key.gapMs - Date.now();
    if (wait > 0) await sleep(wait);
    previous = Date.now();
    sent.push(previous);
    if (key.press) await page.keyboard.press(key.key);
    else await page.keyboard.type(key.key);
    slowestKeyMs = Math.max(slowestKeyMs, Date.now() - previous);
  }
  await sleep(Math.max(0, previous + plan.pauseMs - Date.now()));
  return { sent, ghostAtStart, startedAt, endedAt: Date.now(), slowestKeyMs };
}
