// The soak, inside the real VS Code extension host (loaded by bench/soak.ts
// as the extension's test module): 1,000 chat turns through the
// ChatController (history on disk, journal checkpoints, a new chat every 10
// turns) and 10,000 completion requests through the inline completion
// provider, all against one fake llama.cpp. The host's heap is measured after
// a full GC at regular points; the result goes to the console as one
// `HEARTH_SOAK_RESULT {json}` line.
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import type { HearthApi } from '../src/extension';
import { ChatRoutes, mountChat, startLlamaCpp } from '../test/fakes';
import { FimFake, mountFim } from '../test/fakes/fimRoutes';
import { RESULT_PREFIX, type SoakResult } from './soakResult';

const NAME = 'Soak fake';
const MODEL = '/models/soak-q8_0.gguf';

function numberFromEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** A full, synchronous GC (the host runs without --expose-gc: turn it on for this run). */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/**
 * The fakes run in the same extension host and keep every request they saw
 * (bodies, URLs) for tests: forget them before measuring, so the heap is
 * Hearth's. Returns how many /infill requests there were.
 */
function forgetRequests(llama: { requests: unknown[] }, routes: { requests: unknown[] }, fim: { records: unknown[] }): number {
  const served = fim.records.length;
  llama.requests.splice(0);
  routes.requests.splice(0);
  fim.records.splice(0);
  return served;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return Math.round((process.memoryUsage().heapUsed / (1024 * 1024)) * 10) / 10;
}

async function waitFor(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`soak: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function run(): Promise<void> {
  const turns = numberFromEnv('HEARTH_SOAK_TURNS', 1000);
  const requests = numberFromEnv('HEARTH_SOAK_REQUESTS', 10_000);
  const gc = collector();
  const snapshots = process.env.HEARTH_SOAK_SNAPSHOTS; // a folder: heap snapshots after 5 and 15 twentieths of the requests
  const api = await vscode.extensions.getExtension<HearthApi>('hearth.hearth')!.activate();
  const llama = await startLlamaCpp({ model: MODEL, nCtx: 8192, slots: 1 });
  const routes = mountChat(llama, new ChatRoutes({ reply: 'A short answer with `code` and a list:\n\n- one\n- two\n', chunks: 12 }));
  const fim = mountFim(llama, new FimFake({ promptMsPerToken: 0, genMsPerToken: 0, generate: () => 'value + 1\n' }));
  const config = vscode.workspace.getConfiguration('hearth');
  await config.update('servers', [{ name: NAME, kind: 'llamacpp', url: llama.url }], vscode.ConfigurationTarget.Global);
  await waitFor(() => api.registry.servers().some((s) => s.name === NAME), 'the server');
  await api.registry.refresh({ force: true });
  await api.choice.set('chat', { server: NAME, model: MODEL });
  await api.choice.set('completion', { server: NAME, model: MODEL });
  await waitFor(() => api.completion.session.state.kind === 'ready', 'the completion engine');

  const result: SoakResult = {
    chat: { turns, ms: 0, samples: [], errors: 0 },
    completion: { requests, ms: 0, samples: [], errors: 0, served: 0 },
    node: process.version,
  };
  try {
    // Chat: a new conversation every 10 turns, as a person would.
    const c = api.chat.controller;
    await c.ready;
    const every = Math.max(1, Math.floor(turns / 20));
    let started = Date.now();
    for (let i = 0; i < turns; i++) {
      if (i % 10 === 0) await c.newChat();
      await c.send(`Question ${i}: what does line ${i} do?`);
      if (c.current.messages.at(-1)?.error) result.chat.errors++;
      if (i === 0 || (i + 1) % every === 0) {
        forgetRequests(llama, routes, fim);
        result.chat.samples.push({ done: i + 1, heapMB: heapAfterGc(gc) });
      }
    }
    result.chat.ms = Date.now() - started;

    // Completion: each request at a position never asked before, so each reaches the server.
    const lines = Array.from({ length: 2000 }, (_, i) => `    total_${i} = compute(${i}) + `);
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: `def soak():\n${lines.join('\n')}\n` });
    const cancel = new vscode.CancellationTokenSource();
    const { provider, session } = api.completion;
    const everyRequest = Math.max(1, Math.floor(requests / 20));
    forgetRequests(llama, routes, fim);
    started = Date.now();
    for (let i = 0; i < requests; i++) {
      const line = 1 + (i % lines.length);
      const column = lines[line - 1].length - (Math.floor(i / lines.length) % 5); // 5 distinct positions per line
      const items = await provider.provideInlineCompletionItems(
        doc,
        new vscode.Position(line, column),
        { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined },
        cancel.token,
      );
      if (!items?.length) result.completion.errors++;
      if (i === 0 || (i + 1) % everyRequest === 0) {
        await waitFor(() => !session.engine?.scheduler.busy, 'completion to settle', 5000);
        result.completion.served += forgetRequests(llama, routes, fim);
        result.completion.samples.push({ done: i + 1, heapMB: heapAfterGc(gc) });
        if (snapshots && (i + 1 === everyRequest * 5 || i + 1 === everyRequest * 15))
          v8.writeHeapSnapshot(path.join(snapshots, `soak-completion-${i + 1}.heapsnapshot`));
      }
    }
    result.completion.ms = Date.now() - started;
    result.completion.served += forgetRequests(llama, routes, fim);
  } finally {
    routes.closeAll();
    await llama.close();
    await config.update('servers', undefined, vscode.ConfigurationTarget.Global);
    await api.choice.set('completion', undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
  console.log(RESULT_PREFIX + JSON.stringify(result));
}
