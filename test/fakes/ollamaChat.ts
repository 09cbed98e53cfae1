// Ollama's own POST /api/chat, streamed as NDJSON the way Ollama sends it:
// one `{"model","created_at","message":{"role","content","thinking"?},"done":false}`
// line per piece, then a `done: true` line with `done_reason` and the token
// counts and durations (nanoseconds); with `stream: false`, one JSON object
// (chatOnce.ts), `format` checked as Ollama checks it. Errors: 404
// `{"error":"model … not found"}` before streaming, `{"error":"…"}` as a
// line in the middle. Scripted by the same ChatScript as the OpenAI-style
// routes (and their reply queue, when the routes are given).
import type * as http from 'node:http';
import { ollamaChatBody, refuseStructured, sendJsonBody } from './chatOnce';
import { ollamaToolLine, toolRefusal } from './toolTurns';
import type { ChatRoutes, ChatScript } from './chatRoutes';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Answers one /api/chat request per `script` (404 for a model not in `knownModels`, when given). */
export async function respondOllamaChat(
  script: ChatScript,
  body: any,
  res: http.ServerResponse,
  knownModels?: string[],
  routes?: Pick<ChatRoutes, 'nextReply'>,
): Promise<void> {
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(value));
  };
  if (!body || !Array.isArray(body.messages)) return json(400, { error: 'messages is required' });
  const model = String(body.model ?? '');
  if (knownModels && !knownModels.includes(model)) return json(404, { error: `model "${model}" not found, try pulling it first` });
  if (script.fault === 'hang') return;
  const refused = refuseStructured('ollama', body, true, script.expectStructured);
  if (refused) return sendJsonBody(res, refused.status, refused.body);
  if (Array.isArray(body.tools) && script.refuseTools) {
    const r = toolRefusal('ollamaNoTools', model);
    return sendJsonBody(res, r.status, r.body);
  }
  const turn = Array.isArray(body.tools) ? script.toolTurns?.shift() : undefined;
  if (turn) {
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    res.write(`${JSON.stringify(ollamaToolLine(turn, model))}\n`);
    res.end(
      `${JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 10, eval_count: 5, eval_duration: 5e6 })}\n`,
    );
    return;
  }
  const reply = routes ? routes.nextReply('Hello from the fake Ollama.') : (script.reply ?? 'Hello from the fake Ollama.');
  if (body.stream === false) {
    if (script.delayMs) await wait(script.delayMs);
    if (res.destroyed) return;
    return sendJsonBody(res, 200, ollamaChatBody(script, body, reply));
  }
  const lines: Record<string, unknown>[] = [];
  const created = () => new Date().toISOString();
  for (const t of script.reasoning ? pieces(script.reasoning, 4) : []) lines.push({ role: 'assistant', content: '', thinking: t });
  for (const t of pieces(reply, Math.max(1, Math.ceil(reply.length / (script.chunks ?? Math.ceil(reply.length / 4))))))
    lines.push({ role: 'assistant', content: t });
  // Ollama parses the model's calls itself and sends each whole, arguments as an object, with its index.
  (script.toolCalls ?? []).forEach((call, index) => {
    let args: unknown = call.arguments;
    try {
      args = JSON.parse(call.arguments);
    } catch {
      // kept as text: what a proxy in front of Ollama might pass on
    }
    lines.push({ role: 'assistant', content: '', tool_calls: [{ function: { index, name: call.name, arguments: args } }] });
  });
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  const faultAt = script.faultAfter ?? Math.floor(lines.length / 2);
  const started = Date.now();
  for (let i = 0; i < lines.length; i++) {
    if (script.delayMs) await wait(script.delayMs);
    if (res.destroyed) return;
    if (i === faultAt && script.fault === 'streamError') {
      res.end(`${JSON.stringify({ error: 'an error was encountered while running the model' })}\n`);
      return;
    }
    if (i === faultAt && script.fault === 'cutOff') {
      await wait(20);
      res.socket?.destroy();
      return;
    }
    res.write(`${JSON.stringify({ model, created_at: created(), message: lines[i], done: false })}\n`);
  }
  const promptTokens = Math.ceil(JSON.stringify(body.messages).length / 4);
  const evalNs = Math.max(1, Date.now() - started) * 1e6;
  res.end(
    `${JSON.stringify({
      model,
      created_at: created(),
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: script.finishReason ?? 'stop',
      total_duration: evalNs + 5e6,
      load_duration: 1e6,
      prompt_eval_count: promptTokens,
      prompt_eval_duration: 5e6,
      eval_count: lines.length,
      eval_duration: evalNs,
    })}\n`,
  );
}
