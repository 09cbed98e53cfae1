// The chat history's index file (`index.json`): its shape, its check when
// loading, and how an index another window wrote is merged into ours before
// we write (conversations and drafts it added are kept; ones we deleted stay
// deleted; a newer summary of a conversation wins).
import { ID_PATTERN } from './conversation';
import type { ConversationSummary } from './types';

export interface IndexFile {
  version: 1;
  current?: string;
  conversations: ConversationSummary[];
  drafts: Record<string, string>;
}

export function isIndexFile(x: unknown): x is IndexFile {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Partial<IndexFile>;
  return (
    o.version === 1 &&
    Array.isArray(o.conversations) &&
    o.conversations.every(
      (s) => typeof s?.id === 'string' && ID_PATTERN.test(s.id) && typeof s.title === 'string' && typeof s.updated === 'number',
    ) &&
    typeof o.drafts === 'object' &&
    o.drafts !== null
  );
}

export interface IndexState {
  summaries: Map<string, ConversationSummary>;
  drafts: Record<string, string>;
  /** Deleted in this window. */
  deleted: ReadonlySet<string>;
}

/** Merges `disk` into `ours` in place; `exists` tells whether a conversation's file is still there. */
export async function mergeIndex(ours: IndexState, disk: IndexFile, exists: (id: string) => Promise<boolean>): Promise<void> {
  for (const s of disk.conversations) {
    if (ours.deleted.has(s.id)) continue;
    const known = ours.summaries.get(s.id);
    if (known && known.updated >= s.updated) continue;
    if (!known) {
      if (!(await exists(s.id))) continue;
      const draft = disk.drafts[s.id];
      if (typeof draft === 'string' && draft) ours.drafts[s.id] = draft;
    }
    ours.summaries.set(s.id, s);
  }
}
