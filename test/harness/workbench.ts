// Opens VS Code's web workbench in a headless Chromium (the one shipped inside
// the npm package @sparticuz/chromium, driven by playwright-core). Used by the
// integration runner, `npm start -- --screenshot` and end-to-end UI tests.
import * as path from 'node:path';
import { format } from 'node:util';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { registerCleanup } from './processes';

export interface WorkbenchOptions {
  /** The VS Code server (anything with its port). */
  server: { port: number };
  /** Absolute folder to open as the workspace. */
  folder: string;
  /** Absolute path of the extension under development (the project root). */
  extensionDevelopmentPath: string;
  /** Absolute path of a compiled tests module exporting `run()`; omit for an interactive workbench. */
  extensionTestsPath?: string;
  /** The extension host's console output while tests run (mocha's reporter lines). */
  onLog?: (type: string, message: string) => void;
  /** The exit code the workbench reports once the tests module's `run()` settles. */
  onExit?: (code: number) => void;
  /** Browser console messages and page errors (noisy; for debugging). */
  onConsole?: (type: string, text: string) => void;
  viewport?: { width: number; height: number };
}

export interface Workbench {
  browser: Browser;
  page: Page;
  url: string;
  close(): Promise<void>;
}

/** The workbench URL that opens `folder` and loads the extension (and tests) from `payload`. */
export function payloadUrl(
  options: Pick<WorkbenchOptions, 'server' | 'folder' | 'extensionDevelopmentPath' | 'extensionTestsPath'>,
): string {
  const remote = (file: string) => `vscode-remote://127.0.0.1:${options.server.port}${toPosix(path.resolve(file))}`;
  const payload: [string, string][] = [['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)]];
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
  payload.push(['skipWelcome', 'true']);
  const folder = toPosix(path.resolve(options.folder));
  return `http://127.0.0.1:${options.server.port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/** Flags for @sparticuz/chromium on this machine (no network, no GPU, run as root). */
export async function chromiumLaunchOptions(): Promise<{ executablePath: string; args: string[] }> {
  // The package is ESM-only: load it with a real dynamic import.
  const module = await import('@sparticuz/chromium');
  const chromium = module.default;
  const executablePath = await chromium.executablePath();
  // Playwright adds its own --headless and feature lists; keep the package's other flags.
  const args = chromium.args.filter((arg) => !/^--headless|^--(disable|enable)-features=|^--single-process$/.test(arg));
  args.push(
    '--disable-features=IsolateOrigins,site-per-process,AudioServiceOutOfProcess,Translate,OptimizationHints,MediaRouter',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-domain-reliability',
    '--no-first-run',
  );
  return { executablePath, args };
}

/** Launches headless Chromium and opens the workbench; close() ends the browser. */
export async function openWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const { executablePath, args } = await chromiumLaunchOptions();
  // Our own signal handlers (processes.ts) close the browser after the rest is cleaned up.
  const browser = await playwright.launch({
    executablePath,
    args,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const unregister = registerCleanup(
    () => undefined, // on exit, playwright itself kills the browsers it launched
    () => browser.close(),
  );
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await browser.close().catch(() => undefined);
      unregister();
    })());
  try {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    const page = await context.newPage();
    // The workbench calls these globals: the exit code when run() settles, and
    // the extension host's console output while the tests run.
    await page.exposeFunction('codeAutomationExit', (code: unknown) => options.onExit?.(Number(code)));
    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => options.onLog?.(String(type), formatLogArgs(args)));
    if (options.onConsole) {
      const onConsole = options.onConsole;
      page.on('console', (message) => onConsole(message.type(), message.text()));
      page.on('pageerror', (error) => onConsole('pageerror', String(error)));
    }
    const url = payloadUrl(options);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    return { browser, page, url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The extension host sends console arguments as an array, printf-style (`'%d passing', 3`). */
function formatLogArgs(args: unknown): string {
  if (typeof args === 'string') return args;
  if (Array.isArray(args)) return format(...args);
  return JSON.stringify(args);
}

/**
 * Resolves once the workbench is ready for input: with the smoke-test driver
 * (startVSCodeServer({ smokeTestDriver: true })) when its lifecycle reaches
 * "restored"; without it, once the status bar is up plus a settle delay.
 */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: timeoutMs });
  const hasDriver = await page.evaluate(() => 'driver' in window);
  if (hasDriver) {
    await page.evaluate(() => (window as unknown as { driver: { whenWorkbenchRestored(): Promise<void> } }).driver.whenWorkbenchRestored());
  } else {
    await page.waitForTimeout(2500);
  }
}
