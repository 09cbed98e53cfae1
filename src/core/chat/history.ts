// The chat history on disk: one JSON file per conversation (`<id>.json`) and
// an index (`index.json`: summaries, the current conversation, drafts). Every
// write is atomic and writes to one file are serialized, so a crash leaves
// either the previous or the new version. A file that does not parse is
// moved aside as `<name>.corrupt-<timestamp>` and reported; the others still
// load. The index is only a cache: it is rebuilt from the conversation files
// when it is missing, corrupt or out of step with them.
//
// Two windows may share the folder: each conversation is its own file, the
// index is re-read and merged just before every write (conversations and
// drafts another window added are kept; deletions made here stay deleted),
// a conversation is merged with its version on disk before it is written
// (two windows replying in one conversation keep each other's turns), and
// `refresh` picks up files other windows created or removed.
//
// Nothing is lost quietly: a file is checked field by field on load and
// repaired with a note (historyRepair.ts); a file that cannot be read now
// (permissions, I/O) is skipped and reported, never moved; a failed write
// rejects, so the caller can keep what it holds and say so. A reply being
// generated is checkpointed to a journal (replyJournal.ts), not rewritten.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { nullLogger, type Logger } from '../types';
import type { ModelRef } from '../servers/types';
import { createConversation, ID_PATTERN, summarize, upgradeConversation } from './conversation';
import { toMarkdown } from './exportMarkdown';
import { nodeFileOps, removeStale, SerialQueue, writeFileAtomic, type FileOps } from './files';
import { isIndexFile, mergeIndex, type IndexFile } from './historyIndex';
import { MergeBases, mergeConversation } from './historyMerge';
import { describeRepair, repairConversation } from './historyRepair';
import { ReplyJournal } from './replyJournal';
import type { Conversation, ConversationSummary } from './types';

const INDEX = 'index.json';

export interface HistoryOptions {
  log?: Logger;
  now?: () => number;
  /** Called with a user-facing message when a file was unreadable, repaired or moved aside. */
  onProblem?: (message: string) => void;
  /** File operations (tests simulate a full disk or a locked file). */
  fileOps?: FileOps;
}

/** A file that exists but cannot be read right now (permissions, I/O): left in place. */
const UNREADABLE = Symbol('unreadable');

export class HistoryStore {
  private summaries = new Map<string, ConversationSummary>();
  private drafts: Record<string, string> = {};
  private currentId: string | undefined;
  /** Deleted here: never brought back from another window's index. */
  private readonly deleted = new Set<string>();
  private readonly queue = new SerialQueue();
  private indexQueued: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly ops: FileOps;
  private readonly journal: ReplyJournal;
  /** Per conversation, the version this window last read or wrote: what a merge compares against. */
  private readonly bases = new MergeBases();

  constructor(
    readonly dir: string,
    private readonly options: HistoryOptions = {},
  ) {
    this.log = options.log ?? nullLogger;
    this.now = options.now ?? Date.now;
    this.ops = options.fileOps ?? nodeFileOps;
    this.journal = new ReplyJournal(dir);
  }

  /** Loads the index (rebuilding it when needed). Returns the problems found, also sent to `onProblem`. */
  async init(): Promise<string[]> {
    const problems: string[] = [];
    let names: string[];
    try {
      await fs.mkdir(this.dir, { recursive: true });
      names = await fs.readdir(this.dir);
    } catch (err) {
      // The chat still works for this session; saving will say what is wrong.
      const message = `The chat history folder ${this.dir} cannot be read (${errorCode(err)}); chats of this session may not be saved.`;
      this.log.warn(`chat history: ${message}`);
      this.options.onProblem?.(message);
      return [message];
    }
    await removeStale(this.dir, names, this.now(), this.log);
    const onDisk = new Set(
      names.filter((n) => n !== INDEX && n.endsWith('.json') && ID_PATTERN.test(n.slice(0, -5))).map((n) => n.slice(0, -5)),
    );

    let index: IndexFile | undefined;
    if (names.includes(INDEX)) {
      const parsed = await this.readJson(INDEX, problems);
      if (parsed !== undefined && parsed !== UNREADABLE) index = isIndexFile(parsed) ? parsed : await this.corrupt(INDEX, problems);
    }
    let changed = !index;
    for (const s of index?.conversations ?? []) {
      if (onDisk.has(s.id)) this.summaries.set(s.id, s);
      else changed = true;
    }
    for (const id of onDisk) {
      if (this.summaries.has(id)) continue;
      const conv = await this.load(id, problems);
      if (conv && conv !== UNREADABLE) this.summaries.set(id, summarize(conv));
      changed = true;
    }
    this.drafts = Object.fromEntries(Object.entries(index?.drafts ?? {}).filter(([id]) => this.summaries.has(id)));
    this.currentId = index?.current && this.summaries.has(index.current) ? index.current : undefined;
    if (changed && (this.summaries.size > 0 || index)) await this.writeIndex().catch((err) => this.indexFailed(err));
    for (const p of problems) this.options.onProblem?.(p);
    this.log.info(`chat history: ${this.summaries.size} conversations in ${this.dir}`);
    return problems;
  }

  /** Summaries, most recently updated first. */
  list(): ConversationSummary[] {
    return [...this.summaries.values()].sort((a, b) => b.updated - a.updated);
  }

  get current(): string | undefined {
    return this.currentId;
  }

  async setCurrent(id: string | undefined): Promise<void> {
    this.currentId = id && this.summaries.has(id) ? id : undefined;
    await this.writeIndex();
  }

  /** The whole conversation, or undefined when unknown or unreadable (then moved aside and reported). */
  async get(id: string): Promise<Conversation | undefined> {
    if (!ID_PATTERN.test(id) || !this.summaries.has(id)) return undefined;
    const problems: string[] = [];
    const conv = await this.queue.run(id, () => this.load(id, problems));
    for (const p of problems) this.options.onProblem?.(p);
    if (conv === UNREADABLE) return undefined; // left in place: it may be readable later
    if (!conv) {
      this.forget(id);
      await this.writeIndex().catch((err) => this.indexFailed(err));
    } else {
      // The index may lag behind a write that a crash interrupted.
      this.summaries.set(id, summarize(conv));
    }
    return conv;
  }

  async create(model?: ModelRef): Promise<Conversation> {
    const conv = createConversation(this.now(), model);
    await this.save(conv);
    this.currentId = conv.id;
    await this.writeIndex();
    return conv;
  }

  /**
   * Writes the conversation (merged with what another window wrote to it
   * since this one last read or wrote it) and its summary. Resolves with
   * what was written; rejects when the file could not be written, and the
   * version on disk is then unchanged. A failed index write is only logged:
   * the index is rebuilt from the files.
   */
  async save(conv: Conversation): Promise<Conversation> {
    if (!ID_PATTERN.test(conv.id)) throw new Error(`chat history: invalid conversation id "${conv.id}"`);
    const written = await this.queue.run(conv.id, async () => {
      const merged = mergeConversation(this.bases.get(conv.id), conv, await this.peek(conv.id));
      await writeFileAtomic(this.file(conv.id), JSON.stringify(merged), this.ops);
      this.bases.remember(merged);
      return merged;
    });
    this.deleted.delete(conv.id);
    this.summaries.set(conv.id, summarize(written));
    const last = written.messages[written.messages.length - 1];
    if (last?.role === 'assistant' && (last.stats || last.error || last.stopped)) {
      await this.journal.remove(conv.id, last.id).catch((err) => this.log.warn(`chat history: ${String(err)}`));
    }
    await this.writeIndex().catch((err) => this.indexFailed(err));
    return written;
  }

  /**
   * Checkpoints the reply `messageId` while it streams: appends what it
   * gained since the last checkpoint (the cost does not grow with the
   * reply). The final `save` replaces it.
   */
  checkpoint(convId: string, messageId: string, content: string, reasoning: string): Promise<void> {
    if (!ID_PATTERN.test(convId) || !ID_PATTERN.test(messageId)) return Promise.resolve();
    return this.queue.run(`${convId}.journal`, () => this.journal.append(convId, messageId, content, reasoning));
  }

  async delete(id: string): Promise<void> {
    if (!ID_PATTERN.test(id)) return;
    this.forget(id);
    this.deleted.add(id);
    this.bases.delete(id);
    await this.queue.run(id, () => this.ops.rm(this.file(id), { force: true }));
    await this.writeIndex().catch((err) => this.indexFailed(err));
  }

  async rename(id: string, title: string): Promise<Conversation | undefined> {
    const conv = await this.get(id);
    if (!conv) return undefined;
    const renamed = { ...conv, title: title.trim() || conv.title, updated: this.now() };
    await this.save(renamed);
    return renamed;
  }

  draft(id: string): string {
    return this.drafts[id] ?? '';
  }

  /** Stores the unsent input of a conversation (callers debounce keystrokes). */
  async setDraft(id: string, text: string): Promise<void> {
    if (!this.summaries.has(id) || (this.drafts[id] ?? '') === text) return;
    if (text) this.drafts[id] = text;
    else delete this.drafts[id];
    await this.writeIndex();
  }

  /** The conversation as neutralised Markdown (exportMarkdown.ts), or undefined when unknown. */
  async exportMarkdown(id: string): Promise<string | undefined> {
    const conv = await this.get(id);
    return conv && toMarkdown(conv);
  }

  /**
   * Re-reads the folder: conversations another window created appear, ones
   * it deleted disappear. Returns true when the list changed.
   */
  async refresh(): Promise<boolean> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return false;
    }
    const onDisk = new Set(
      names.filter((n) => n !== INDEX && n.endsWith('.json') && ID_PATTERN.test(n.slice(0, -5))).map((n) => n.slice(0, -5)),
    );
    let changed = false;
    for (const id of [...this.summaries.keys()]) {
      if (onDisk.has(id)) continue;
      this.forget(id);
      changed = true;
    }
    const problems: string[] = [];
    for (const id of onDisk) {
      if (this.summaries.has(id) || this.deleted.has(id)) continue;
      const conv = await this.queue.run(id, () => this.load(id, problems));
      if (conv && conv !== UNREADABLE) this.summaries.set(id, summarize(conv));
      changed = true;
    }
    for (const p of problems) this.options.onProblem?.(p);
    if (changed) await this.writeIndex().catch((err) => this.indexFailed(err));
    return changed;
  }

  /** Resolves when all writes queued so far are on disk. */
  flush(): Promise<void> {
    return this.queue.idle();
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private forget(id: string): void {
    this.summaries.delete(id);
    delete this.drafts[id];
    if (this.currentId === id) this.currentId = undefined;
  }

  /** Coalesced: at most one index write waits behind the running one, and it writes the latest state. */
  private writeIndex(): Promise<void> {
    if (this.indexQueued) return this.indexQueued;
    const queued = this.queue.run(INDEX, async () => {
      this.indexQueued = undefined;
      await this.mergeFromDisk();
      const index: IndexFile = { version: 1, current: this.currentId, conversations: this.list(), drafts: this.drafts };
      await writeFileAtomic(path.join(this.dir, INDEX), JSON.stringify(index), this.ops);
    });
    this.indexQueued = queued;
    return queued;
  }

  /** Keeps what another window wrote to the index since we read it (re-read before write). */
  private async mergeFromDisk(): Promise<void> {
    let disk: unknown;
    try {
      disk = JSON.parse(await fs.readFile(path.join(this.dir, INDEX), 'utf8'));
    } catch {
      return; // missing or unreadable: ours replaces it
    }
    if (!isIndexFile(disk)) return;
    const exists = (id: string) =>
      fs.stat(this.file(id)).then(
        () => true,
        () => false,
      );
    await mergeIndex({ summaries: this.summaries, drafts: this.drafts, deleted: this.deleted }, disk, exists);
  }

  /**
   * Reads, checks and (field by field) repairs a conversation file, replaying
   * the journal of a reply that never finished. Undefined when the file is
   * gone or not a conversation at all (then moved aside); UNREADABLE when it
   * cannot be read right now.
   */
  private async load(id: string, problems: string[]): Promise<Conversation | undefined | typeof UNREADABLE> {
    const name = `${id}.json`;
    const parsed = await this.readJson(name, problems);
    if (parsed === undefined || parsed === UNREADABLE) return parsed;
    const repaired = repairConversation(upgradeConversation(parsed), id, this.now());
    if (!repaired) return this.corrupt(name, problems);
    let conv = repaired.conv;
    if (repaired.notes.length) {
      const backup = `${name}.repaired-${this.stamp()}`;
      await fs.copyFile(this.file(id), path.join(this.dir, backup)).catch((err) => this.log.warn(`chat history: ${String(err)}`));
      await writeFileAtomic(this.file(id), JSON.stringify(conv), this.ops).catch((err) => this.log.warn(`chat history: ${String(err)}`));
      const message = describeRepair(conv.title, repaired.notes, backup);
      this.log.warn(`chat history: ${message}`);
      problems.push(message);
    }
    this.bases.remember(conv);
    conv = await this.journal.replay(conv);
    return conv;
  }

  /** The version on disk, for a merge before writing (quietly undefined when missing or unreadable). */
  private async peek(id: string): Promise<Conversation | undefined> {
    try {
      const parsed: unknown = JSON.parse(await fs.readFile(this.file(id), 'utf8'));
      return repairConversation(upgradeConversation(parsed), id, this.now())?.conv;
    } catch {
      return undefined;
    }
  }

  /** Parsed JSON; undefined after moving an unparsable file aside (or when it vanished); UNREADABLE when it cannot be read now. */
  private async readJson(name: string, problems: string[]): Promise<unknown> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      const what = name === INDEX ? 'The chat history index' : `A saved chat (${name})`;
      const message = `${what} in ${this.dir} could not be read (${errorCode(err)}); it was left in place and skipped. The other chats are unaffected.`;
      this.log.warn(`chat history: ${message}`);
      problems.push(message);
      return UNREADABLE;
    }
    try {
      return JSON.parse(text);
    } catch {
      return this.corrupt(name, problems);
    }
  }

  private stamp(): string {
    return new Date(this.now()).toISOString().replace(/[:.]/g, '-');
  }

  private indexFailed(err: unknown): void {
    this.log.warn(`chat history: could not write the index (it is rebuilt from the chats): ${errorCode(err)}`);
  }

  private async corrupt(name: string, problems: string[]): Promise<undefined> {
    const aside = `${name}.corrupt-${this.stamp()}`;
    try {
      await fs.rename(path.join(this.dir, name), path.join(this.dir, aside));
    } catch (err) {
      this.log.warn(`chat history: could not move ${name} aside: ${String(err)}`);
    }
    const what = name === INDEX ? 'The chat history index' : `A saved chat (${name})`;
    const message = `${what} could not be read and was moved aside as ${aside} in ${this.dir}; the other chats are unaffected.`;
    this.log.warn(`chat history: ${message}`);
    problems.push(message);
    return undefined;
  }
}

function errorCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? (e instanceof Error ? e.message : String(err));
}
