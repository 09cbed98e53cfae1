// The fault suite, in a real VS Code, for chat, completion and discovery
// alike: every fault of test/fakes/faults.ts (503 loading, 429, 500, context
// exceeded, unknown model, 401, a proxy's HTML 502, malformed SSE, UTF-8 split
// across chunks, a stream cut off, a stall, a 2 MB reply, chunks without
// `choices`, an error event in the stream, a 1 MB error body, connection
// refused, DNS failure, the server killed mid-stream, a cross-origin
// redirect) must give the user a specific message — in the chat an inline
// error (role=alert), for completion the status bar, for discovery the
// server's status — within a few seconds and with bounded retries; and the
// next request must work. The timing bound is a hang detector, not a speed goal.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HostToWebview } from '../../src/core/chat/protocol';
import type { HearthApi } from '../../src/extension';
import { ChatRoutes, freePort, mountChat, startLlamaCpp, type FakeLlamaCpp } from '../fakes';
import { FAULT_NAMES, faultFor, routeOf, UTF8_TEXT, type FaultName, type Feature } from '../fakes/faults';
import { FimFake, mountFim } from '../fakes/fimRoutes';
import { hearth, setUserSetting, waitFor } from './helpers';

const NAME = 'Fault suite';
const MODEL = '/models/fault-suite-q8_0.gguf';
const DNS_HOST = 'hearth-fault-suite.invalid';
/** A hang detector: "within a few seconds" (the slowest waits are a 2 s stall and two 1 s Retry-Afters). */
const WITHIN_MS = 12_000;
/** Requests a fault may cost at most, per feature (chat retries 429/503 twice; completion retries a dropped connection once). */
const MAX_REQUESTS: Record<Feature, number> = { chat: 3, completion: 2, discovery: 3 };

interface Outcome {
  /** The message the user sees, if any. */
  error?: string;
  /** The reply / suggestion / model ids when it worked. */
  text?: string;
  /** Chat: the error was posted for the reply (shown inline with role=alert). Completion: the status bar shows it. */
  shown?: boolean;
  /** Completion: why nothing was offered, if so. */
  reason?: string;
}

type Check = RegExp | ((o: Outcome, kit: Kit) => void);

const ok = (test: (o: Outcome) => boolean, what: string) => (o: Outcome) => {
  assert.equal(o.error, undefined, `no error expected (${what})`);
  assert.ok(test(o), `${what}: ${JSON.stringify(o).slice(0, 300)}`);
};

const EXPECT: Record<FaultName, Record<Feature, Check>> = {
  // The chat waits for a loading model (two minutes by default; 2 s here, then it says so).
  loading: {
    chat: /was still loading its model after 2 s/,
    completion: /is still loading its model/,
    discovery: /is still loading its model/,
  },
  rateLimited: {
    chat: /is rate limiting requests \(429\)/,
    completion: /is rate limiting requests \(429\)/,
    discovery: /is rate limiting/,
  },
  server500: {
    chat: /failed with an internal error \(500\): slot 0 failed to decode/,
    completion: /failed with an internal error \(500\): slot 0 failed to decode/,
    discovery: /failed with an internal error \(500\): slot 0 failed to decode/,
  },
  contextExceeded: {
    chat: /The prompt \(9,000 tokens\) does not fit the context of 4,096 tokens/,
    completion: /The prompt \(9,000 tokens\) does not fit the context of 4,096 tokens/,
    discovery: /does not fit the context/,
  },
  modelNotFound: { chat: /has no model "/, completion: /has no model "/, discovery: /has no model "fault-model"/ },
  unauthorized: {
    chat: /rejected the request \(401\)/,
    completion: /rejected the request \(401\)/,
    discovery: /rejected the request \(401\)/,
  },
  proxyHtml502: {
    chat: /internal error \(502\): 502 Bad Gateway 502 Bad Gateway nginx\/1\.25\.3$/,
    completion: /internal error \(502\): 502 Bad Gateway 502 Bad Gateway nginx\/1\.25\.3$/,
    discovery: /internal error \(502\): 502 Bad Gateway 502 Bad Gateway nginx\/1\.25\.3$/,
  },
  malformedSse: {
    chat: /answered to \/v1\/chat\/completions with something Hearth cannot read \(a stream chunk that is not JSON\)\. It sent: "\{"choices":\[\{"delta":\{"content": broken"/,
    completion: /sent an \/infill event that is not valid JSON: "\{"choices":\[\{"delta":\{"content": broken"/,
    discovery: /sent a response that is not valid JSON/,
  },
  utf8Split: {
    chat: ok((o) => o.text === UTF8_TEXT, 'the reply, whole'),
    // Shown as soon as it has words (the last one may still be coming): whole characters, in order.
    completion: ok(
      (o) => !!o.text?.includes('世界 ✓') && UTF8_TEXT.startsWith(o.text) && !o.text.includes('\uFFFD'),
      'the suggestion, whole characters',
    ),
    discovery: ok((o) => !!o.text?.split('\n').includes(UTF8_TEXT), 'the model id, whole'),
  },
  cutOff: {
    chat: /closed the connection in the middle of its answer/,
    completion: /closed the connection in the middle of its answer/,
    discovery: /closed the connection in the middle of its answer/,
  },
  stall: {
    chat: /sent nothing for 2 s; the reply was cut short/,
    completion: /sent nothing for 2 s in the middle of its answer/,
    discovery: /did not answer within 2 s/,
  },
  hugeReply: {
    chat: /sent a reply over 1 MB \(\/v1\/chat\/completions\); Hearth stopped reading there/,
    completion: /sent more than 1 MB for one completion \(\/infill\); Hearth stopped reading there/,
    discovery: ok((o) => (o.text?.split('\n').length ?? 0) > 5000, 'a 2 MB model list is read (the JSON cap is 4 MB)'),
  },
  noChoices: {
    chat: /cannot read \(a stream chunk without "choices"\)\. It sent: "\{"result":\{"text":"Hello"\},"envelope":"proxy-v2"\}"/,
    completion: /cannot read \(an \/infill event without "content"\)\. It sent: "\{"result":\{"text":"Hello"\}/,
    discovery: /cannot read \(no "data" list\)\. It sent: "\{"result":\[\{"name":"fake"\}\],"envelope":"proxy-v2"\}"/,
  },
  errorEvent: {
    chat: /failed with an internal error \(500\): slot 0 crashed/,
    completion: /reported an error in its stream: slot 0 crashed/,
    discovery: /It sent: "\{"error":\{"code":500,"message":"slot 0 crashed"/,
  },
  hugeErrorBody: {
    chat: /internal error \(500\): upstream exploded/,
    completion: /internal error \(500\): upstream exploded/,
    discovery: /internal error \(500\): upstream exploded/,
  },
  refused: {
    chat: /is not running \(connection refused\)/,
    completion: /is not running \(connection refused\)/,
    discovery: /is not running/,
  },
  dnsFailure: {
    chat: /cannot be reached: host "hearth-fault-suite\.invalid" not found/,
    completion: /cannot be reached: host "hearth-fault-suite\.invalid" not found/,
    discovery: /cannot be reached: host "hearth-fault-suite\.invalid" not found/,
  },
  killedMidStream: {
    chat: /closed the connection in the middle of its answer/,
    completion: /closed the connection in the middle of its answer/,
    discovery: /closed the connection in the middle of its answer/,
  },
  crossOriginRedirect: {
    chat: /redirected \/v1\/chat\/completions \(307\) to another server, http:\/\/127\.0\.0\.1:\d+\. Hearth does not send a request's content/,
    completion: /redirected \/infill \(307\) to another server, http:\/\/127\.0\.0\.1:\d+\. Hearth does not send a request's content/,
    discovery: (o, kit) => {
      ok((x) => !!x.text, 'a GET is followed')(o);
      const followed = kit.other.requestsTo('/v1/models');
      assert.ok(followed.length > 0, 'the other server was asked');
      assert.ok(
        followed.every((r) => r.headers.authorization === undefined),
        'without the API key',
      );
    },
  },
};

interface Kit {
  api: HearthApi;
  llama: FakeLlamaCpp;
  other: FakeLlamaCpp;
  port: number;
  start(): Promise<void>;
  useUrl(url: string): Promise<void>;
  close(): Promise<void>;
}

async function startKit(): Promise<Kit> {
  const api = await hearth();
  const port = await freePort();
  const other = await startLlamaCpp({ model: '/models/elsewhere.gguf', nCtx: 8192 });
  const kit: Kit = {
    api,
    llama: undefined as unknown as FakeLlamaCpp,
    other,
    port,
    async start() {
      kit.llama = await startLlamaCpp({ port, model: MODEL, nCtx: 8192, slots: 1 });
      mountChat(kit.llama, new ChatRoutes({ reply: 'Working again.' }));
      mountFim(kit.llama, new FimFake({ promptMsPerToken: 0.01, genMsPerToken: 0.2, generate: () => 'value = 42\n' }));
    },
    async useUrl(url) {
      await setUserSetting('servers', [{ name: NAME, kind: 'llamacpp', url, timeoutSeconds: 2 }]);
      await waitFor('the server setting', () => api.registry.servers().some((s) => s.name === NAME && s.url === url));
      // Discovered again (or failed to be), so the completion engine is not rebuilt under a request.
      await api.registry.refresh({ force: true });
      if (api.choice.get('completion')?.server !== NAME) return;
      await waitFor('the completion engine', () => {
        const state = api.completion.session.state;
        return state.kind === 'ready' && state.server.url === url;
      });
      // The engine is rebuilt once discovery says the context size: wait until it stays the same.
      let engine = api.completion.session.engine;
      await waitFor('the completion engine to settle', async () => {
        await new Promise((r) => setTimeout(r, 250));
        const same = api.completion.session.engine === engine;
        engine = api.completion.session.engine;
        return same;
      });
    },
    async close() {
      await kit.llama.close();
      await other.close();
    },
  };
  await kit.start();
  await kit.useUrl(kit.llama.url);
  await api.registry.refresh({ force: true });
  await api.choice.set('chat', { server: NAME, model: MODEL });
  await api.choice.set('completion', { server: NAME, model: MODEL });
  await api.keys.set(
    api.registry.servers().find((s) => s.name === NAME)!,
    'k-fault-suite',
  );
  return kit;
}

async function chatOnce(kit: Kit, text: string): Promise<Outcome> {
  const c = kit.api.chat.controller;
  const posts: HostToWebview[] = [];
  const sub = c.onDidPost((m) => posts.push(m));
  try {
    await c.send(text);
  } finally {
    sub.dispose();
  }
  const reply = c.current.messages[c.current.messages.length - 1];
  const alert = posts.find((m): m is Extract<HostToWebview, { type: 'error' }> => m.type === 'error');
  return { error: alert?.message ?? reply.error?.message, text: reply.content, shown: !!alert && alert.messageId === reply.id };
}

let docs = 0;

async function completionOnce(kit: Kit): Promise<Outcome> {
  const { provider, status, session } = kit.api.completion;
  // A prefetch or warm-up of the last case must not be what a fault meets.
  await waitFor('completion to be idle', () => status.inFlight === 0 && !session.engine?.scheduler.busy, 5000);
  status.clearError();
  // A new document each time: no answer comes from Hearth's cache.
  const doc = await vscode.workspace.openTextDocument({ language: 'python', content: `# case ${++docs}\ndef f():\n    return ` });
  const position = doc.positionAt(doc.getText().length);
  const cancel = new vscode.CancellationTokenSource();
  const items = await provider.provideInlineCompletionItems(
    doc,
    position,
    { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined },
    cancel.token,
  );
  // A suggestion may show before its request ends (first words, first lines): what went wrong later shows in the status bar.
  await session.engine?.idle();
  const error = status.lastError;
  const text = (items ?? []).map((i) => (typeof i.insertText === 'string' ? i.insertText : i.insertText.value)).join('\n');
  const bar = kit.api.statusBar.item;
  const tooltip = (typeof bar.tooltip === 'string' ? bar.tooltip : (bar.tooltip?.value ?? '')).replace(/&nbsp;/g, ' ');
  return {
    error: error?.message,
    text,
    shown: !error || (bar.text.includes('$(warning)') && tooltip.includes('Last error')),
    reason: provider.last?.reason,
  };
}

async function discoveryOnce(kit: Kit): Promise<Outcome> {
  const statuses = await kit.api.registry.refresh({ force: true });
  const status = statuses.find((s) => s.server.name === NAME);
  return {
    error: status?.error?.message,
    text: status?.state === 'ok' ? status.models.map((m) => m.id).join('\n') : undefined,
    shown: true,
  };
}

function runFeature(kit: Kit, feature: Feature, name: string): Promise<Outcome> {
  if (feature === 'chat') return chatOnce(kit, `fault ${name}`);
  if (feature === 'completion') return completionOnce(kit);
  return discoveryOnce(kit);
}

const summary: string[] = [];

describe('fault suite: chat, completion and discovery', function () {
  this.timeout(60_000);
  let kit: Kit;

  before(async () => {
    kit = await startKit();
  });

  after(async () => {
    if (!kit) return;
    const server = kit.api.registry.servers().find((s) => s.name === NAME);
    if (server) await kit.api.keys.remove(server);
    await kit.close();
    await setUserSetting('servers', undefined);
    await kit.api.choice.set('completion', undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    console.log(`fault suite (feature, fault, ms, message):\n${summary.join('\n')}`);
  });

  for (const feature of ['chat', 'completion', 'discovery'] as const) {
    describe(feature, () => {
      beforeEach(async () => {
        if (feature === 'chat') await kit.api.chat.controller.newChat();
      });

      afterEach(async () => {
        kit.llama.clearFaults();
        delete kit.api.chat.limits.idleMs;
        delete kit.api.chat.limits.loadingMs;
        if (kit.api.registry.servers().find((s) => s.name === NAME)?.url !== kit.llama.url) await kit.useUrl(kit.llama.url);
      });

      for (const name of FAULT_NAMES) {
        it(`${name}: a specific message within seconds, bounded retries, then the next request works`, async () => {
          const setup = faultFor(name, feature, kit.other.url);
          const [method, path] = routeOf(feature);
          if (name === 'stall') kit.api.chat.limits.idleMs = 1500;
          if (name === 'loading') kit.api.chat.limits.loadingMs = 2000;
          const count = () => kit.llama.requestsTo(typeof path === 'string' && path !== '*' ? path : undefined, method).length;
          let before = count();
          let outcome: Outcome;
          const started = Date.now();
          if ('fault' in setup) {
            kit.llama.fault(method, path, setup.fault);
            outcome = await runFeature(kit, feature, name);
          } else if (setup.action === 'refused') {
            await kit.useUrl(`http://127.0.0.1:${await freePort()}`);
            outcome = await runFeature(kit, feature, name);
          } else if (setup.action === 'dnsFailure') {
            await kit.useUrl(`http://${DNS_HOST}:${kit.port}`);
            outcome = await runFeature(kit, feature, name);
          } else {
            // Killed mid-stream: the server sends the start of its answer, then dies.
            const stall = faultFor('stall', feature, kit.other.url);
            // Discovery: the model list dies (an unanswered /health would just be skipped).
            if ('fault' in stall) kit.llama.fault(method, feature === 'discovery' ? '/v1/models' : path, stall.fault);
            const running = runFeature(kit, feature, name);
            const reached = () =>
              kit.llama.requests.some((r) => r.aborted === false && (feature === 'discovery' ? r.path === '/v1/models' : r.path === path));
            await waitFor('the request to reach the server', () => count() > before && reached(), 5000);
            await new Promise((r) => setTimeout(r, 100));
            await kit.llama.close();
            outcome = await running;
            await kit.start(); // the same port: the user restarts their server
            before = 0;
          }
          const elapsed = Date.now() - started;
          summary.push(
            `${feature}\t${name}\t${elapsed}\t${outcome.error ?? `ok: ${(outcome.text ?? '').slice(0, 60).replace(/\n/g, ' | ')}`}`,
          );

          const check = EXPECT[name][feature];
          if (check instanceof RegExp) {
            assert.match(outcome.error ?? '(no error)', check);
            assert.ok(outcome.error!.length < 700, `a short message (${outcome.error!.length} characters)`);
            assert.ok(outcome.shown, `the user sees it (${feature === 'chat' ? 'inline error, role=alert' : 'the status bar'})`);
          } else check(outcome, kit);
          assert.ok(elapsed < WITHIN_MS, `answered in ${elapsed} ms`);
          if ('fault' in setup) assert.ok(count() - before <= MAX_REQUESTS[feature], `${count() - before} requests`);

          kit.llama.clearFaults();
          delete kit.api.chat.limits.idleMs;
          delete kit.api.chat.limits.loadingMs;
          if (kit.api.registry.servers().find((s) => s.name === NAME)?.url !== kit.llama.url) await kit.useUrl(kit.llama.url);
          const next = await runFeature(kit, feature, `${name}, again`);
          assert.equal(next.error, undefined, 'the next request works');
          assert.ok(next.text, `and gives an answer (${next.reason ?? ''})`);
        });
      }
    });
  }
});
