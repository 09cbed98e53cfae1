import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  addMessage,
  createConversation,
  forkAt,
  regenerateFrom,
  titleFrom,
  toTurns,
  toView,
  updateMessage,
} from '../../../src/core/chat/conversation';
import { toMarkdown } from '../../../src/core/chat/exportMarkdown';
import { HistoryStore } from '../../../src/core/chat/history';
import { MergeBases } from '../../../src/core/chat/historyMerge';
import type { ChatMessage, Conversation } from '../../../src/core/chat/types';
import { memoryLogger } from '../core/helpers';

const user = (id: string, content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id,
  role: 'user',
  content,
  created: 1,
  ...extra,
});
const reply = (id: string, content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id,
  role: 'assistant',
  content,
  created: 1,
  ...extra,
});

function sample(): Conversation {
  let c = createConversation(1000, { server: 'local', model: 'qwen' }, 'conv1');
  c = addMessage(
    c,
    user('u1', 'How do I reverse a list in Python?\nPlease be brief.', {
      attachments: [{ id: 'x', kind: 'selection', path: 'a.py', lines: { start: 1, end: 2 }, text: 'xs = [1, 2]' }],
    }),
    1001,
  );
  c = addMessage(
    c,
    reply('a1', 'Use `xs[::-1]`.', {
      reasoning: 'Slicing is simplest.',
      stats: { model: 'qwen', completionTokens: 7, tokensPerSecond: 31.5, stopped: false },
    }),
    1002,
  );
  c = addMessage(c, user('u2', 'And in place?'), 1003);
  c = addMessage(c, reply('a2', 'Call `xs.reverse()`.'), 1004);
  return c;
}

describe('chat/conversation', () => {
  it('titles from the first user message', () => {
    assert.equal(sample().title, 'How do I reverse a list in Python?');
    assert.equal(titleFrom('  \n'), 'New chat');
    assert.equal(titleFrom('x'.repeat(100)).length, 60);
  });

  it('edit-and-resend continues from the edited message, dropping what came after', () => {
    const c = sample();
    const forked = forkAt(c, 'u2', 'And without copying?', 2000);
    assert.ok(forked);
    assert.deepEqual(
      forked.messages.map((m) => m.content),
      ['How do I reverse a list in Python?\nPlease be brief.', 'Use `xs[::-1]`.', 'And without copying?'],
    );
    assert.notEqual(forked.messages[2].id, 'u2');
    assert.equal(forked.updated, 2000);
    assert.equal(forkAt(c, 'a1', 'x', 1), undefined, 'only user messages can be edited');
    const first = forkAt(c, 'u1', 'Sort a list?', 2001);
    assert.equal(first?.title, 'Sort a list?');
    assert.deepEqual(first?.messages[0].attachments, c.messages[0].attachments, 'attachments stay');
  });

  it('regenerate drops the reply and what follows', () => {
    const c = sample();
    assert.deepEqual(
      regenerateFrom(c, 'a1', 5)?.messages.map((m) => m.id),
      ['u1'],
    );
    assert.equal(regenerateFrom(c, 'u1', 5), undefined);
  });

  it('turns never carry reasoning, and skip failed empty replies', () => {
    let c = sample();
    c = addMessage(c, user('u3', 'More?'), 1005);
    c = addMessage(c, reply('a3', '', { error: { message: 'boom', actions: [] } }), 1006);
    c = updateMessage(c, 'a2', { content: '<think>hidden</think>Call `xs.reverse()`.' }, 1007);
    const turns = toTurns(c.messages);
    assert.equal(turns.length, 5);
    assert.ok(!JSON.stringify(turns).includes('Slicing is simplest'));
    assert.ok(!JSON.stringify(turns).includes('hidden'));
    assert.equal(turns[0].attachments?.length, 1);
  });

  it('views show chips, not attachment text', () => {
    const v = toView(sample());
    assert.deepEqual(v.messages[0].attachments, [{ id: 'x', kind: 'selection', label: 'a.py:1-2', detail: 'a.py lines 1-2' }]);
    assert.ok(!JSON.stringify(v).includes('xs = [1, 2]'));
    assert.equal(v.messages[1].reasoning, 'Slicing is simplest.');
  });

  it('exports Markdown with reasoning in a fenced block and stats', () => {
    const md = toMarkdown(sample());
    assert.match(md, /^# How do I reverse a list in Python\?\n/);
    assert.match(md, /## You\n\n_Attached: `a\.py:1-2`_/);
    assert.match(md, /\*\*Reasoning\*\*\n\n```text\nSlicing is simplest\.\n```\n/);
    assert.match(md, /_qwen · 7 tokens · 31\.5 tokens\/s_/);
    assert.ok(md.endsWith('Call `xs.reverse()`.\n'));
  });
});

describe('chat/history', () => {
  let dir: string;
  let now = 1_700_000_000_000;
  const clock = () => now;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-history-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function open(onProblem?: (m: string) => void) {
    const store = new HistoryStore(dir, { now: clock, log: memoryLogger(), onProblem });
    const problems = await store.init();
    return { store, problems };
  }

  it('creates, saves, lists, reloads, renames and deletes conversations', async () => {
    const { store } = await open();
    const a = await store.create({ server: 's', model: 'm' });
    now += 10;
    const b = await store.create();
    await store.save(addMessage(a, user('u1', 'First question'), ++now));
    assert.deepEqual(
      store.list().map((s) => s.title),
      ['First question', 'New chat'],
    );
    assert.equal(store.current, b.id);

    const again = (await open()).store;
    assert.deepEqual(
      again.list().map((s) => [s.id, s.messageCount]),
      [
        [a.id, 1],
        [b.id, 0],
      ],
    );
    assert.equal(again.current, b.id);
    assert.equal((await again.get(a.id))?.messages[0].content, 'First question');
    await again.rename(a.id, 'Renamed');
    assert.equal(again.list()[0].title, 'Renamed');
    await again.delete(b.id);
    assert.equal(again.current, undefined);
    assert.deepEqual(
      (await open()).store.list().map((s) => s.title),
      ['Renamed'],
    );
    assert.ok(!fs.existsSync(path.join(dir, `${b.id}.json`)));
  });

  it('loads files written when attachments were saved as "context"', async () => {
    const { store } = await open();
    const conv = await store.create();
    await store.save(
      addMessage(conv, user('u1', 'Why?', { attachments: [{ id: 'x', kind: 'file', path: 'a.ts', text: 'let a;' }] }), ++now),
    );
    const file = path.join(dir, `${conv.id}.json`);
    const disk = JSON.parse(fs.readFileSync(file, 'utf8'));
    disk.messages[0].context = disk.messages[0].attachments;
    delete disk.messages[0].attachments;
    fs.writeFileSync(file, JSON.stringify(disk));
    const loaded = await (await open()).store.get(conv.id);
    assert.deepEqual(loaded?.messages[0].attachments, [{ id: 'x', kind: 'file', path: 'a.ts', text: 'let a;' }]);
    assert.equal((loaded?.messages[0] as unknown as Record<string, unknown>).context, undefined);
  });

  it('keeps a draft per conversation', async () => {
    const { store } = await open();
    const a = await store.create();
    const b = await store.create();
    await store.setDraft(a.id, 'half a thought');
    await store.setDraft(b.id, 'other');
    await store.setDraft(b.id, '');
    const again = (await open()).store;
    assert.equal(again.draft(a.id), 'half a thought');
    assert.equal(again.draft(b.id), '');
  });

  it('shares the folder safely between two windows', async () => {
    const first = (await open()).store;
    const second = (await open()).store;
    const a = await first.create();
    await first.save(addMessage(a, user('u1', 'From window one'), ++now));
    await first.setDraft(a.id, 'draft in window one');
    const b = await second.create();
    await second.save(addMessage(b, user('u2', 'From window two'), ++now));
    await second.setDraft(b.id, 'draft in window two');
    // Each write re-read the index: neither window dropped the other's conversation or draft.
    const third = (await open()).store;
    assert.deepEqual(
      third
        .list()
        .map((x) => x.title)
        .sort(),
      ['From window one', 'From window two'],
    );
    assert.equal(third.draft(a.id), 'draft in window one');
    assert.equal(third.draft(b.id), 'draft in window two');
    // A deletion in one window is picked up by the other and not undone by its next write.
    assert.equal(await second.refresh(), false);
    await first.delete(b.id);
    assert.equal(await second.refresh(), true);
    assert.ok(!second.list().some((x) => x.id === b.id));
    await second.setDraft(a.id, 'typed in window two');
    assert.ok(!(await open()).store.list().some((x) => x.id === b.id));
    assert.ok(fs.existsSync(path.join(dir, `${a.id}.json`)));
  });

  it('moves a corrupt conversation aside, reports it and still loads the others', async () => {
    const { store } = await open();
    const good = await store.create();
    const bad = await store.create();
    await store.flush();
    fs.writeFileSync(path.join(dir, `${bad.id}.json`), '{"id": "trunc');
    const reported: string[] = [];
    const again = (await open((m) => reported.push(m))).store;
    assert.equal(await again.get(bad.id), undefined);
    assert.ok(await again.get(good.id));
    assert.deepEqual(
      again.list().map((s) => s.id),
      [good.id],
    );
    assert.equal(reported.length, 1);
    assert.match(reported[0], /could not be read and was moved aside as .*\.json\.corrupt-/);
    assert.ok(fs.readdirSync(dir).some((n) => n.startsWith(`${bad.id}.json.corrupt-`)));
  });

  it('rebuilds a corrupt or missing index from the conversation files', async () => {
    const { store } = await open();
    const a = await store.create();
    await store.save(addMessage(a, user('u', 'Kept'), ++now));
    await store.flush();
    fs.writeFileSync(path.join(dir, 'index.json'), 'not json');
    const { store: again, problems } = await open();
    assert.equal(problems.length, 1);
    assert.deepEqual(
      again.list().map((s) => s.title),
      ['Kept'],
    );
    fs.rmSync(path.join(dir, 'index.json'));
    assert.deepEqual(
      (await open()).store.list().map((s) => s.title),
      ['Kept'],
    );
  });

  it('tolerates a crash between write and rename: the previous version loads and old temp files go', async () => {
    const { store } = await open();
    const a = await store.create();
    await store.save(addMessage(a, user('u', 'Saved'), ++now));
    await store.flush();
    const temp = path.join(dir, `${a.id}.json.tmp-999-1`);
    fs.writeFileSync(temp, '{"half":');
    const old = new Date(now - 3600_000);
    fs.utimesSync(temp, old, old);
    const fresh = path.join(dir, `${a.id}.json.tmp-999-2`);
    fs.writeFileSync(fresh, '{"half":');
    fs.utimesSync(fresh, new Date(now), new Date(now));
    const again = (await open()).store;
    assert.equal((await again.get(a.id))?.messages[0].content, 'Saved');
    assert.ok(!fs.existsSync(temp), 'a stale temp file is removed');
    assert.ok(fs.existsSync(fresh), 'a recent one may belong to another window');
  });

  it('serializes concurrent saves of one conversation: the last one wins, nothing is torn', async () => {
    const { store } = await open();
    let c = await store.create();
    const saves: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      c = addMessage(c, user(`u${i}`, `message ${i} ${'x'.repeat(5000)}`), ++now);
      saves.push(store.save(c));
    }
    await Promise.all(saves);
    const loaded = await (await open()).store.get(c.id);
    assert.equal(loaded?.messages.length, 30);
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  it('refuses ids that are not safe file names', async () => {
    const { store } = await open();
    assert.equal(await store.get('../../etc/passwd'), undefined);
    await store.delete('../x');
    await assert.rejects(store.save({ ...createConversation(1), id: '../evil' }));
  });

  it('exports a conversation as Markdown', async () => {
    const { store } = await open();
    const a = await store.create();
    await store.save(addMessage(a, user('u', 'Hello?'), ++now));
    assert.match((await store.exportMarkdown(a.id)) ?? '', /## You\n\nHello\?/);
  });
});

describe('chat/historyMerge MergeBases', () => {
  const conv = (id: string, title = id): Conversation => ({ id, title, created: 1, updated: 1, messages: [] });

  it('keeps the most recently used conversations only, so a long session does not hold every one it touched', () => {
    const bases = new MergeBases(3);
    for (const id of ['a', 'b', 'c']) bases.remember(conv(id));
    bases.remember(conv('a', 'a again')); // used again: now the newest
    bases.remember(conv('d'));
    assert.equal(bases.size, 3);
    assert.equal(bases.get('b'), undefined, 'the least recently used one went');
    assert.equal(bases.get('a')?.title, 'a again');
    assert.ok(bases.get('c') && bases.get('d'));
    bases.delete('c');
    assert.equal(bases.size, 2);
  });
});
