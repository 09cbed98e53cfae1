// Shared helpers for integration tests running inside the VS Code extension host.
import * as vscode from 'vscode';
import type { HearthApi } from '../../src/extension';
import { skipWithReason } from '../harness/skips';

export async function hearth(): Promise<HearthApi> {
  const extension = vscode.extensions.getExtension<HearthApi>('hearth.hearth');
  if (!extension) throw new Error('hearth.hearth is not installed in the extension host');
  return extension.activate();
}

/** Writes `hearth.<key>` at the user level, as a person would in their settings. */
export async function setUserSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('hearth').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Makes `server` the only configured server (user level), waits for the
 * registry to take it, discovers it, and selects `model` on it for `purpose`.
 */
export async function useServer(
  api: HearthApi,
  server: { name: string; kind: string; url: string },
  purpose: 'chat' | 'completion',
  model: string,
): Promise<void> {
  await setUserSetting('servers', [server]);
  await waitFor(`the server ${server.name}`, () => api.registry.servers().some((s) => s.name === server.name && s.url === server.url));
  await api.registry.refresh({ force: true });
  await api.choice.set(purpose, { server: server.name, model });
}

/** True when the running VS Code (`vscode.version`, e.g. 1.139.1) is `version` or newer. */
export function vscodeAtLeast(version: string): boolean {
  const have = vscode.version.split(/[.-]/).map(Number);
  const want = version.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    if ((have[i] || 0) !== want[i]) return (have[i] || 0) > want[i];
  }
  return true;
}

/**
 * Skips the test (from a `before` hook: its suite), with the reason in the
 * summary, unless the `vscode` API has `apiPath`, e.g.
 * `requiresApi(this, 'lm.registerLanguageModelChatProvider')`. Proposed APIs
 * count as present: VS Code lets an extension under development use them.
 */
export function requiresApi(context: Mocha.Context, apiPath: string): void {
  let node: unknown = vscode;
  try {
    for (const key of apiPath.split('.')) {
      node = node === undefined || node === null ? undefined : (node as Record<string, unknown>)[key];
    }
  } catch (error) {
    // A proposed API's getter throws for an extension that has not enabled it.
    skipWithReason(context, `needs vscode.${apiPath}, a proposal on VS Code ${vscode.version}: ${(error as Error).message}`);
  }
  if (node === undefined) skipWithReason(context, `needs vscode.${apiPath}, which VS Code ${vscode.version} does not have`);
}
