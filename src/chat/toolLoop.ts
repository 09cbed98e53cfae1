// A reply with tools: stream an answer; while the model answers with tool
// calls, check them all (core/chat/toolCalls.ts), run them one by one, send
// the results back and stream again. Bounded: at most MAX_ROUNDS rounds of
// calls (then the model is asked to answer with what it has), each result
// capped; Stop ends it at once, in a stream or in a call. A turn with a bad
// call (malformed JSON, an unknown tool, arguments against the schema) runs
// none of its calls; the model is told why and may correct itself once; a
// second bad turn in a row ends the reply with the raw text in the error.
import { roundMessages } from '../core/chat/budget';
import type { StreamResult } from '../core/chat/stream';
import { checkToolCalls, refusalResults, type CheckedToolCall, type RawToolCall, type ToolSpec } from '../core/chat/toolCalls';
import { capResult, type ToolOutcome } from '../core/chat/tools';
import type { ToolCallRecord, ToolRound } from '../core/chat/types';
import { HearthError } from '../core/errors';
import { generate, type GenerateOptions } from './generate';

export const MAX_ROUNDS = 8;

/** What runs the calls. */
export interface ToolRunner {
  specs: readonly ToolSpec[];
  run(call: CheckedToolCall, signal: AbortSignal): Promise<ToolOutcome>;
}

export interface ToolLoopOptions extends Omit<GenerateOptions, 'tools' | 'tail' | 'toolIdPrefix'> {
  /** Absent: a plain reply. */
  tools?: ToolRunner;
  /** A call is about to run (the card appears). */
  onToolCall?(call: Pick<ToolCallRecord, 'id' | 'name' | 'arguments'>, round: number): void;
  /** A call finished (or was refused, or stopped). */
  onToolResult?(record: ToolCallRecord, round: number): void;
  /** Rounds before the model must answer (default MAX_ROUNDS). */
  maxRounds?: number;
}

export interface LoopResult {
  /** The last request's result: its content is the answer. */
  result: StreamResult;
  rounds: ToolRound[];
  /** Set when the loop itself failed (a second bad turn, calls past the limit). */
  error?: HearthError;
}

const record = (call: RawToolCall, outcome: Omit<ToolCallRecord, 'id' | 'name' | 'arguments'>): ToolCallRecord => ({
  id: call.id,
  name: call.name,
  arguments: call.arguments,
  ...outcome,
});

/** Streams a reply, running the tools the model calls; see the file comment. Throws as `generate` does. */
export async function replyWithTools(o: ToolLoopOptions): Promise<LoopResult> {
  const tools = o.tools;
  const specs = tools?.specs ?? [];
  const maxRounds = o.maxRounds ?? MAX_ROUNDS;
  const rounds: ToolRound[] = [];
  let badTurns = 0;
  for (let round = 1; ; round++) {
    const last = round > maxRounds;
    if (last) o.onNotice(`The model used tools in ${maxRounds} rounds, the limit; it was asked to answer with what it has.`);
    const result = await generate({
      ...o,
      tail: rounds.flatMap(roundMessages),
      tools: specs.length ? specs : undefined,
      toolChoice: last ? 'none' : o.toolChoice,
      toolIdPrefix: `call_${round}_`,
    });
    if (!tools || result.stats.stopped || result.error || result.toolCalls.length === 0) return { result, rounds };
    if (last) {
      const error = new HearthError('malformed', `The model kept calling tools after ${maxRounds} rounds; Hearth stopped it there.`, {
        actions: ['retry', 'openSettings', 'showLog'],
      });
      return { result, rounds, error };
    }
    const turn = checkToolCalls(result.toolCalls, specs, { finishReason: result.finishReason });
    if (!turn.ok) {
      badTurns++;
      const results = refusalResults(turn);
      const calls = turn.calls.map((c, i) =>
        record(c, { status: 'refused', result: results[i].content, summary: 'not run: bad call', ms: 0 }),
      );
      calls.forEach((c) => o.onToolResult?.(c, round));
      rounds.push({ content: result.content, calls });
      o.log.warn(`tools: round ${round} refused: ${turn.summary}`);
      if (badTurns > 1) {
        const error = new HearthError('malformed', `${turn.summary} (The model had been asked once to correct a bad call.)`, {
          actions: ['retry', 'showLog'],
        });
        return { result, rounds, error };
      }
      continue;
    }
    badTurns = 0;
    const calls: ToolCallRecord[] = [];
    for (const call of turn.calls) {
      if (o.signal.aborted) break;
      o.onToolCall?.(call, round);
      const started = Date.now();
      const outcome = await tools.run(call, o.signal);
      const stopped = o.signal.aborted;
      const done = record(call, {
        status: stopped ? 'stopped' : outcome.status,
        result: stopped ? 'Stopped by the user.' : capResult(outcome.content),
        summary: stopped ? 'stopped' : outcome.summary,
        ms: Date.now() - started,
      });
      calls.push(done);
      o.onToolResult?.(done, round);
      o.log.info(`tools: ${call.name} ${done.status} in ${done.ms} ms: ${done.summary}`);
    }
    if (calls.length) rounds.push({ content: result.content, calls });
    if (o.signal.aborted) return { result: { ...result, stats: { ...result.stats, stopped: true } }, rounds };
  }
}
