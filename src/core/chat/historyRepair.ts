// Loading a saved conversation defensively: every field is checked with the
// same checks the webview protocol uses (protocol.ts, check.ts), and a bad
// field is repaired or dropped on its own, with a note, instead of the whole
// chat being refused. Only a file that is not a JSON object at all is
// unusable. Pure TypeScript.
import { arr, bool, lit, num, obj, opt, str } from './check';
import { ID_PATTERN, newId, titleFrom, UNTITLED } from './conversation';
import { actionButton, attachmentKind, modelRef, stats } from './protocol';
import type { Attachment, ChatMessage, Conversation } from './types';

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const problem = obj({
  severity: lit('error', 'warning', 'info', 'hint'),
  line: num,
  column: opt(num),
  message: str,
  source: opt(str),
  code: opt(str),
});
const attachment = obj({
  id: str,
  kind: attachmentKind,
  path: str,
  language: opt(str),
  lines: opt(obj({ start: num, end: num })),
  text: opt(str),
  problems: opt(arr(problem)),
  truncatedFrom: opt(num),
});
const messageError = obj({ message: str, actions: arr(actionButton), code: opt(str) });
const toolCall = obj({
  id: str,
  name: str,
  arguments: str,
  status: lit('ok', 'refused', 'error', 'stopped'),
  result: str,
  summary: str,
  ms: num,
});
const toolRound = obj({ content: str, calls: arr(toolCall) });

/** Optional message fields and their checks; a field that fails is dropped. */
const OPTIONAL: [keyof ChatMessage, (x: unknown) => boolean, string][] = [
  ['reasoning', str, 'reasoning'],
  ['stats', stats, 'stats'],
  ['error', messageError, 'error'],
  ['stopped', bool, 'stopped mark'],
  ['notes', arr(str), 'notes'],
  ['toolRounds', arr(toolRound), 'tool calls'],
];

export interface Repaired {
  conv: Conversation;
  /** What was repaired or dropped, in words ("message 3: its stats were damaged and left out"). */
  notes: string[];
}

/**
 * A usable conversation from parsed JSON, for the file `<id>.json`, or
 * undefined when it is not an object at all. `fallbackTime` stands in for a
 * missing date.
 */
export function repairConversation(x: unknown, id: string, fallbackTime: number): Repaired | undefined {
  if (!isObj(x)) return undefined;
  const notes: string[] = [];
  const created = num(x.created) ? x.created : (notes.push('its start date was damaged and was reset'), fallbackTime);
  const updated = num(x.updated) ? x.updated : (notes.push('its last-changed date was damaged and was reset'), created);
  if (x.id !== id) notes.push('its id did not match its file name and was corrected');
  let messages: ChatMessage[] = [];
  if (Array.isArray(x.messages)) {
    x.messages.forEach((m, i) => {
      const repaired = repairMessage(m, i + 1, created, notes);
      if (repaired) messages.push(repaired);
    });
  } else notes.push('its messages could not be read');
  const ids = new Set<string>();
  messages = messages.map((m) => {
    if (!ids.has(m.id)) return (ids.add(m.id), m);
    const fresh = { ...m, id: newId() };
    ids.add(fresh.id);
    return fresh;
  });
  const firstUser = messages.find((m) => m.role === 'user');
  const title = str(x.title) ? x.title : (notes.push('its title was damaged'), firstUser ? titleFrom(firstUser.content) : UNTITLED);
  const conv: Conversation = { id, title, created, updated, messages };
  if (x.model !== undefined) {
    if (modelRef(x.model)) conv.model = { server: x.model.server, model: x.model.model };
    else notes.push('its model was damaged and was left out');
  }
  return { conv, notes };
}

function repairMessage(x: unknown, n: number, fallbackTime: number, notes: string[]): ChatMessage | undefined {
  if (!isObj(x) || (x.role !== 'user' && x.role !== 'assistant')) {
    notes.push(`message ${n} could not be read and was left out`);
    return undefined;
  }
  const what = `message ${n}`;
  const id = str(x.id) && ID_PATTERN.test(x.id) ? x.id : (notes.push(`${what} had a damaged id`), newId());
  const content = str(x.content) ? x.content : (notes.push(`${what}: its text was damaged and was left out`), '');
  const created = num(x.created) ? x.created : fallbackTime;
  const m: ChatMessage = { id, role: x.role, content, created };
  for (const [key, check, label] of OPTIONAL) {
    const value = x[key];
    if (value === undefined) continue;
    if (check(value)) (m as unknown as Record<string, unknown>)[key] = value;
    else notes.push(`${what}: its ${label} ${label.endsWith('s') ? 'were' : 'was'} damaged and left out`);
  }
  if (x.attachments !== undefined) {
    const list = Array.isArray(x.attachments) ? x.attachments : [];
    const good = list.filter((a): a is Attachment => attachment(a));
    if (good.length !== list.length || !Array.isArray(x.attachments)) {
      notes.push(`${what}: ${Array.isArray(x.attachments) ? list.length - good.length : 'its'} attachment(s) were damaged and left out`);
    }
    if (good.length) m.attachments = good;
  }
  return m;
}

/** One sentence for the user about a repaired file. */
export function describeRepair(title: string, notes: readonly string[], backup: string): string {
  const shown = notes.slice(0, 10).join('; ');
  const more = notes.length > 10 ? `; and ${notes.length - 10} more` : '';
  return `The saved chat "${title}" had damaged parts that were repaired: ${shown}${more}. The original file is kept as ${backup}.`;
}
