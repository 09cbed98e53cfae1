// The chat history loses nothing: damaged files are repaired field by field,
// a file that cannot be read is skipped (the chat still works), a full disk
// or a locked file rejects a save and leaves the previous version, renames
// refused for a moment are retried, two windows replying in one
// conversation keep each other's turns, and a streaming reply is
// checkpointed to a journal whose cost grows with the new text only.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { addMessage, markInterrupted, updateMessage } from '../../../src/core/chat/conversation';
import { nodeFileOps, type FileOps } from '../../../src/core/chat/files';
import { HistoryStore } from '../../../src/core/chat/history';
import type { ChatMessage } from '../../../src/core/chat/types';
import { memoryLogger } from '../core/helpers';

const msg = (id: string, role: 'user' | 'assistant', content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id,
  role,
  content,
  created: 1,
  ...extra,
});

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('chat/history: nothing is lost', () => {
  let dir: string;
  let now = 1_700_000_000_000;
  const clock = () => ++now;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-robust-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function open(options: { onProblem?: (m: string) => void; fileOps?: FileOps } = {}) {
    const store = new HistoryStore(dir, { now: clock, log: memoryLogger(), ...options });
    const problems = await store.init();
    return { store, problems };
  }

  it('repairs a damaged file field by field, with a note, and keeps the original', async () => {
    const id = 'damaged1';
    fs.writeFileSync(
      path.join(dir, `${id}.json`),
      JSON.stringify({
        id: 'someone-else',
        title: 42,
        created: 'yesterday',
        updated: 5,
        model: { server: 1 },
        messages: [
          {
            id: 'u1',
            role: 'user',
            content: 'Kept question',
            created: 1,
            attachments: [{ id: 'a', kind: 'file', path: 'a.ts' }, { bad: 1 }],
          },
          { id: 'a1', role: 'assistant', content: 'Kept answer', created: 2, stats: { model: 7 }, notes: 'not a list', reasoning: 'kept' },
          { id: 'x', role: 'robot', content: 'dropped' },
          'not a message',
          { id: '../evil', role: 'user', content: { text: 'gone' } },
        ],
      }),
    );
    const reported: string[] = [];
    const { store } = await open({ onProblem: (m) => reported.push(m) });
    const conv = await store.get(id);
    assert.ok(conv, 'the chat loads');
    assert.equal(conv.id, id);
    assert.equal(conv.title, 'Kept question');
    assert.equal(conv.model, undefined);
    assert.deepEqual(
      conv.messages.map((m) => [m.role, m.content]),
      [
        ['user', 'Kept question'],
        ['assistant', 'Kept answer'],
        ['user', ''],
      ],
    );
    assert.deepEqual(conv.messages[0].attachments, [{ id: 'a', kind: 'file', path: 'a.ts' }]);
    assert.equal(conv.messages[1].stats, undefined);
    assert.equal(conv.messages[1].notes, undefined);
    assert.equal(conv.messages[1].reasoning, 'kept');
    assert.notEqual(conv.messages[2].id, '../evil');
    assert.equal(reported.length, 1, reported.join('\n'));
    assert.match(reported[0], /^The saved chat "Kept question" had damaged parts that were repaired: /);
    assert.match(reported[0], /message 2: its stats were damaged and left out/);
    assert.match(reported[0], /message 3 could not be read and was left out/);
    const backup = fs.readdirSync(dir).find((n) => n.startsWith(`${id}.json.repaired-`));
    assert.ok(backup, 'the original is kept');
    assert.match(fs.readFileSync(path.join(dir, backup), 'utf8'), /"robot"/);
    // The repaired version was written: loading again reports nothing.
    const again: string[] = [];
    await (await open({ onProblem: (m) => again.push(m) })).store.get(id);
    assert.deepEqual(again, []);
  });

  it('a file that cannot be read is skipped and reported; the chat still works', async () => {
    const { store } = await open();
    const good = await store.create();
    await store.save(addMessage(good, msg('u1', 'user', 'Still here'), clock()));
    await store.flush();
    fs.mkdirSync(path.join(dir, 'unreadable1.json')); // reading it fails with EISDIR, as EACCES or EIO would
    const reported: string[] = [];
    const { store: again, problems } = await open({ onProblem: (m) => reported.push(m) });
    assert.equal(problems.length, 1);
    assert.match(reported[0], /A saved chat \(unreadable1\.json\) .* could not be read \(EISDIR\); it was left in place and skipped/);
    assert.deepEqual(
      again.list().map((s) => s.title),
      ['Still here'],
    );
    assert.ok(fs.statSync(path.join(dir, 'unreadable1.json')).isDirectory(), 'not moved aside');
    const created = await again.create();
    assert.ok(await again.get(created.id), 'new chats work');
  });

  it('a full disk rejects the save, leaves the previous version and no temp file', async () => {
    let full = false;
    const ops: FileOps = {
      ...nodeFileOps,
      open: (async (file: string, flags: string) => {
        const handle = await fsp.open(file, flags);
        if (!full) return handle;
        return Object.assign(Object.create(handle), {
          writeFile: async () => {
            throw errno('ENOSPC');
          },
          sync: () => handle.sync(),
          close: () => handle.close(),
        });
      }) as FileOps['open'],
    };
    const { store } = await open({ fileOps: ops });
    const conv = await store.create();
    const saved = await store.save(addMessage(conv, msg('u1', 'user', 'Before the disk filled'), clock()));
    full = true;
    await assert.rejects(store.save(addMessage(saved, msg('u2', 'user', 'Lost?'), clock())), /ENOSPC/);
    full = false;
    const disk = JSON.parse(fs.readFileSync(path.join(dir, `${conv.id}.json`), 'utf8'));
    assert.deepEqual(
      disk.messages.map((m: ChatMessage) => m.content),
      ['Before the disk filled'],
    );
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.includes('.tmp-')),
      [],
    );
    // The store is still usable: the next save works.
    await store.save(addMessage(saved, msg('u2', 'user', 'Saved after all'), clock()));
    assert.equal((await (await open()).store.get(conv.id))?.messages.length, 2);
  });

  it('retries a rename refused for a moment (EPERM / EBUSY), and gives up on one that stays refused', async () => {
    let refusals = 0;
    let always = false;
    const ops: FileOps = {
      ...nodeFileOps,
      rename: (async (from: string, to: string) => {
        if (always || refusals < 2) {
          refusals++;
          throw errno(refusals % 2 ? 'EPERM' : 'EBUSY');
        }
        return fsp.rename(from, to);
      }) as FileOps['rename'],
    };
    const { store } = await open({ fileOps: ops });
    refusals = 2; // let init's writes through
    const conv = await store.create();
    refusals = 0;
    const saved = await store.save(addMessage(conv, msg('u1', 'user', 'Through the lock'), clock()));
    assert.equal(refusals, 2, 'two refusals, then it went through');
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, `${conv.id}.json`), 'utf8')).messages.length, 1);
    always = true;
    await assert.rejects(store.save(addMessage(saved, msg('u2', 'user', 'Locked for good'), clock())), /EPERM|EBUSY/);
    assert.ok(refusals > 4, `retried (${refusals} attempts)`);
  });

  it('two windows replying in one conversation keep each other’s turns', async () => {
    const a = (await open()).store;
    const b = (await open()).store;
    // Window A: a question, and its reply starts.
    let convA = await a.create();
    convA = addMessage(addMessage(convA, msg('ua', 'user', 'From A'), clock()), msg('ra', 'assistant', ''), clock());
    convA = await a.save(convA);
    // Window B opens the same chat (A's reply looks interrupted there), asks and starts its own reply.
    await b.refresh();
    let convB = markInterrupted((await b.get(convA.id))!);
    convB = addMessage(addMessage(convB, msg('ub', 'user', 'From B'), clock()), msg('rb', 'assistant', ''), clock());
    convB = await b.save(convB);
    // A's reply ends: its save keeps B's turns.
    convA = await a.save(
      updateMessage(convA, 'ra', { content: 'Answer A', stats: { model: 'm', completionTokens: 2, stopped: false } }, clock()),
    );
    assert.deepEqual(
      convA.messages.map((m) => m.id),
      ['ua', 'ra', 'ub', 'rb'],
    );
    // B's reply ends: its save keeps A's finished reply (B never changed it).
    await b.save(updateMessage(convB, 'rb', { content: 'Answer B', stats: { model: 'm', completionTokens: 2, stopped: false } }, clock()));
    const final = (await (await open()).store.get(convA.id))!;
    assert.deepEqual(
      final.messages.map((m) => [m.id, m.content]),
      [
        ['ua', 'From A'],
        ['ra', 'Answer A'],
        ['ub', 'From B'],
        ['rb', 'Answer B'],
      ],
    );
    assert.equal(final.messages[1].stopped, undefined, 'not overwritten by B’s interrupted mark');
    // A regenerates its reply: the deletion stays, B's turns stay.
    const regenerated = await a.save({ ...convA, messages: convA.messages.filter((m) => m.id !== 'ra'), updated: clock() });
    assert.ok(!regenerated.messages.some((m) => m.id === 'ra'));
    assert.ok(regenerated.messages.some((m) => m.id === 'rb' && m.content === 'Answer B'));
  });

  it('checkpoints a streaming reply by appending; a window that loads it replays the journal; the final save removes it', async () => {
    const { store } = await open();
    let conv = await store.create();
    conv = addMessage(addMessage(conv, msg('u1', 'user', 'Long answer please'), clock()), msg('r1', 'assistant', ''), clock());
    conv = await store.save(conv);
    const file = path.join(dir, `${conv.id}.json`);
    const sizeBefore = fs.statSync(file).size;
    let content = '';
    for (let i = 0; i < 200; i++) {
      content += `word ${i} `.repeat(20);
      await store.checkpoint(conv.id, 'r1', content, i > 100 ? 'thinking' : '');
    }
    const journal = path.join(dir, `${conv.id}.r1.partial`);
    const journalSize = fs.statSync(journal).size;
    assert.ok(journalSize < content.length + 200 * 20, `the journal grows with the text (${journalSize} bytes for ${content.length})`);
    assert.equal(fs.statSync(file).size, sizeBefore, 'the conversation file was not rewritten');
    // A crash now: another window (or the next start) sees the text so far.
    const loaded = (await (await open()).store.get(conv.id))!;
    assert.equal(loaded.messages[1].content, content);
    assert.equal(loaded.messages[1].reasoning, 'thinking');
    // A torn last line (a crash while appending) is ignored.
    fs.appendFileSync(journal, '{"c":"half');
    assert.equal((await (await open()).store.get(conv.id))!.messages[1].content, content);
    await store.save(updateMessage(conv, 'r1', { content, stats: { model: 'm', stopped: false } }, clock()));
    assert.ok(!fs.existsSync(journal), 'the final save removes the journal');
  });
});
