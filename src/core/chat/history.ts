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
// and `refresh` picks up files other windows created or removed.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { nullLogger, type Logger } from '../types';
import type { ModelRef } from '../servers/types';
import { createConversation, ID_PATTERN, isConversation, summarize, toMarkdown, upgradeConversation } from './conversation';
import { isTempName, SerialQueue, writeFileAtomic } from './files';
import { isIndexFile, mergeIndex, type IndexFile } from './historyIndex';
import type { Conversation, ConversationSummary } from './types';

const INDEX = 'index.json';
/** Temp files younger than this may belong to another window writing right now. */
const STALE_TEMP_MS = 10 * 60_000;

export interface HistoryOptions {
  log?: Logger;
  now?: () => number;
  /** Called with a user-facing message when a file was unreadable and moved aside. */
  onProblem?: (message: string) => void;
}

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

  constructor(
    readonly dir: string,
    private readonly options: HistoryOptions = {},
  ) {
    this.log = options.log ?? nullLogger;
    this.now = options.now ?? Date.now;
  }

  /** Loads the index (rebuilding it when needed). Returns the problems found, also sent to `onProblem`. */
  async init(): Promise<string[]> {
    const problems: string[] = [];
    await fs.mkdir(this.dir, { recursive: true });
    const names = await fs.readdir(this.dir);
    await this.removeStaleTemps(names);
    const onDisk = new Set(
      names.filter((n) => n !== INDEX && n.endsWith('.json') && ID_PATTERN.test(n.slice(0, -5))).map((n) => n.slice(0, -5)),
    );

    let index: IndexFile | undefined;
    if (names.includes(INDEX)) {
      const parsed = await this.readJson(INDEX, problems);
      if (parsed !== undefined) index = isIndexFile(parsed) ? parsed : await this.corrupt(INDEX, problems);
    }
    let changed = !index;
    for (const s of index?.conversations ?? []) {
      if (onDisk.has(s.id)) this.summaries.set(s.id, s);
      else changed = true;
    }
    for (const id of onDisk) {
      if (this.summaries.has(id)) continue;
      const conv = await this.load(id, problems);
      if (conv) this.summaries.set(id, summarize(conv));
      changed = true;
    }
    this.drafts = Object.fromEntries(Object.entries(index?.drafts ?? {}).filter(([id]) => this.summaries.has(id)));
    this.currentId = index?.current && this.summaries.has(index.current) ? index.current : undefined;
    if (changed && (this.summaries.size > 0 || index)) await this.writeIndex();
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
    if (!conv) {
      this.forget(id);
      await this.writeIndex();
      for (const p of problems) this.options.onProblem?.(p);
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

  /** Writes the conversation and its summary. */
  async save(conv: Conversation): Promise<void> {
    if (!ID_PATTERN.test(conv.id)) throw new Error(`chat history: invalid conversation id "${conv.id}"`);
    const data = JSON.stringify(conv);
    this.summaries.set(conv.id, summarize(conv));
    await this.queue.run(conv.id, () => writeFileAtomic(this.file(conv.id), data));
    await this.writeIndex();
  }

  async delete(id: string): Promise<void> {
    if (!ID_PATTERN.test(id)) return;
    this.forget(id);
    this.deleted.add(id);
    await this.queue.run(id, () => fs.rm(this.file(id), { force: true }));
    await this.writeIndex();
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
      if (conv) this.summaries.set(id, summarize(conv));
      changed = true;
    }
    for (const p of problems) this.options.onProblem?.(p);
    if (changed) await this.writeIndex();
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
      await writeFileAtomic(path.join(this.dir, INDEX), JSON.stringify(index));
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

  private async load(id: string, problems: string[]): Promise<Conversation | undefined> {
    const name = `${id}.json`;
    const parsed = upgradeConversation(await this.readJson(name, problems));
    if (parsed === undefined) return undefined;
    if (isConversation(parsed) && parsed.id === id) return parsed;
    return this.corrupt(name, problems);
  }

  /** Parsed JSON, or undefined after moving an unparsable file aside (or when it vanished). */
  private async readJson(name: string, problems: string[]): Promise<unknown> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text);
    } catch {
      return this.corrupt(name, problems);
    }
  }

  private async corrupt(name: string, problems: string[]): Promise<undefined> {
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    const aside = `${name}.corrupt-${stamp}`;
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

  private async removeStaleTemps(names: string[]): Promise<void> {
    for (const name of names.filter(isTempName)) {
      const file = path.join(this.dir, name);
      try {
        const stat = await fs.stat(file);
        if (this.now() - stat.mtimeMs > STALE_TEMP_MS) {
          await fs.rm(file, { force: true });
          this.log.info(`chat history: removed ${name}, left over from an interrupted write`);
        }
      } catch {
        // Gone already.
      }
    }
  }
}
