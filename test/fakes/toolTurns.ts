// Tool calls the way the servers send them, for the chat fakes: llama.cpp's
// stream (the first piece of each call carries index, id, type, name and the
// first argument text; then one piece per token with only index and
// arguments; `finish_reason: "tool_calls"`), a one-piece `chat.completion`
// with `message.tool_calls`, and Ollama's /api/chat line with whole calls
// and object arguments. A turn can split arguments anywhere, send an
// argument piece that is not a string, send malformed JSON or an unknown
// tool. And the servers' refusals of `tools` (llama.cpp without --jinja,
// vLLM without --enable-auto-tool-choice, an Ollama model without tools).
import type * as http from 'node:http';

export interface FakeCall {
  name: string;
  /** The arguments' text (sent as is, malformed or not), or an object (serialized). */
  arguments: string | Record<string, unknown>;
  id?: string;
}

export interface FakeToolTurn {
  calls: FakeCall[];
  /** Text before the calls. */
  text?: string;
  /** Argument pieces per call (default: one per 3 characters). */
  pieces?: number;
  /** Send the arguments of the first call as one object piece (not a string), as some servers do. */
  objectPiece?: boolean;
  /** Delay before each piece (to Stop in the middle). */
  delayMs?: number;
  /** Leave out the ids (some servers do). */
  noIds?: boolean;
}

export type ToolRefusal = 'llamacppNoJinja' | 'vllmNoAutoChoice' | 'ollamaNoTools';

/** The status and body each server answers a request with `tools` that it cannot serve. */
export function toolRefusal(kind: ToolRefusal, model: string): { status: number; body: unknown } {
  switch (kind) {
    case 'llamacppNoJinja':
      return { status: 500, body: { error: { code: 500, message: 'tools param requires --jinja flag', type: 'server_error' } } };
    case 'vllmNoAutoChoice':
      return {
        status: 400,
        body: {
          object: 'error',
          message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      };
    case 'ollamaNoTools':
      return { status: 400, body: { error: `registry.ollama.ai/library/${model} does not support tools` } };
  }
}

const text = (a: FakeCall['arguments']) => (typeof a === 'string' ? a : JSON.stringify(a));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pieces(s: string, n: number): string[] {
  if (!s) return [''];
  const size = Math.max(1, Math.ceil(s.length / Math.max(1, n)));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

function callId(turn: FakeToolTurn, call: FakeCall, i: number): string | undefined {
  return turn.noIds ? undefined : (call.id ?? `fake${Math.random().toString(36).slice(2, 10)}${i}`);
}

/** The stream chunks' `delta`s of a turn, in llama.cpp's order. */
export function toolDeltas(turn: FakeToolTurn): Record<string, unknown>[] {
  const deltas: Record<string, unknown>[] = [];
  if (turn.text) deltas.push({ content: turn.text });
  turn.calls.forEach((call, index) => {
    const args = text(call.arguments);
    const parts =
      turn.objectPiece && index === 0 && typeof call.arguments === 'object'
        ? [call.arguments]
        : pieces(args, turn.pieces ?? Math.ceil(args.length / 3));
    const id = callId(turn, call, index);
    deltas.push({ tool_calls: [{ index, ...(id ? { id } : {}), type: 'function', function: { name: call.name, arguments: parts[0] } }] });
    for (const part of parts.slice(1)) deltas.push({ tool_calls: [{ index, function: { arguments: part } }] });
  });
  return deltas;
}

/** Streams a tool turn as llama.cpp does; `closed()` says the client went away. */
export async function streamToolTurn(
  res: http.ServerResponse,
  turn: FakeToolTurn,
  model: string,
  closed: () => boolean,
  usage: boolean,
): Promise<void> {
  const id = `chatcmpl-${Math.random().toString(36).slice(2, 12)}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    choices,
    created,
    id,
    model,
    object: 'chat.completion.chunk',
    ...extra,
  });
  const send = (data: unknown) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', Server: 'llama.cpp' });
  send(chunk([{ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }]));
  for (const delta of toolDeltas(turn)) {
    if (turn.delayMs) await wait(turn.delayMs);
    if (closed()) return;
    send(chunk([{ finish_reason: null, index: 0, delta }]));
  }
  const timings = { cache_n: 0, prompt_n: 10, prompt_ms: 5, predicted_n: 5, predicted_ms: 5, predicted_per_second: 1000 };
  send(chunk([{ finish_reason: 'tool_calls', index: 0, delta: {} }], usage ? {} : { timings }));
  if (usage) send(chunk([], { usage: { completion_tokens: 5, prompt_tokens: 10, total_tokens: 15 }, timings }));
  send('[DONE]');
  res.end();
}

/** A non-streamed answer with calls: `message.tool_calls`, arguments as strings (OpenAI's shape). */
export function toolCompletion(turn: FakeToolTurn, model: string): unknown {
  return {
    id: 'chatcmpl-tools',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: turn.text ?? '',
          tool_calls: turn.calls.map((c, i) => {
            const id = callId(turn, c, i);
            return { ...(id ? { id } : {}), type: 'function', function: { name: c.name, arguments: text(c.arguments) } };
          }),
        },
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

/** Ollama's /api/chat line with the calls: whole, arguments as objects (a string that does not parse is sent as a string). */
export function ollamaToolLine(turn: FakeToolTurn, model: string): unknown {
  return {
    model,
    created_at: new Date().toISOString(),
    message: {
      role: 'assistant',
      content: turn.text ?? '',
      tool_calls: turn.calls.map((c) => {
        let args: unknown = c.arguments;
        if (typeof args === 'string') {
          try {
            args = JSON.parse(args);
          } catch {
            // sent as it is
          }
        }
        return { function: { name: c.name, arguments: args } };
      }),
    },
    done: false,
  };
}
