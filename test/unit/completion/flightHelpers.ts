// A scripted server for flight and scheduler tests (fake timers): the prompt
// takes `promptMs`, then one token every `tokenMs`. Aborting rejects at once,
// as fetch does on the client side; what the server does then is the
// Flight's business (it holds llama.cpp requests until their first token).
import type { FimResult } from '../../../src/core/completion/backend';
import { snapshotFromText } from '../../../src/core/completion/excerpt';
import { buildExcerpt } from '../../../src/core/completion/excerpt';
import { Flight, type FlightRun, type Prepared } from '../../../src/core/completion/flight';

export interface Script {
  promptMs: number;
  tokenMs: number;
  /** The answer, one character per token. */
  text: string;
  /** Events in order: "send", "token 3", "close", "abort". */
  log?: string[];
}

export function scripted(script: Script): FlightRun {
  return (signal, hooks) =>
    new Promise<FimResult>((resolve, reject) => {
      const log = script.log ?? [];
      log.push('send');
      let text = '';
      let timer: ReturnType<typeof setTimeout>;
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        log.push('abort');
        reject(new DOMException('aborted', 'AbortError'));
      });
      const next = () => {
        if (text.length >= script.text.length) {
          log.push('close');
          return resolve({ text, timings: { generatedTokens: text.length }, fromCache: false, stop: 'eos' });
        }
        text += script.text[text.length];
        log.push(`token ${text.length}`);
        hooks.onText(text);
        if (hooks.shouldStop(text)) {
          log.push('close');
          return resolve({ text, timings: {}, fromCache: false, stop: 'client' });
        }
        timer = setTimeout(next, script.tokenMs);
      };
      timer = setTimeout(next, script.promptMs);
    });
}

/** A prepared position at the end of `line` of a small document. */
export function position(before: string, after = '\n}\n'): Prepared {
  const text = `${before}${after}`;
  const lines = before.split('\n');
  const doc = snapshotFromText(text, lines.length - 1, lines[lines.length - 1].length, { fileName: 'a.ts', languageId: 'typescript' });
  const excerpt = buildExcerpt(doc);
  const prefix = excerpt.inputPrefix + excerpt.prompt;
  return { doc, excerpt, extra: [], prefix, after, key: prefix, chars: prefix.length, overheadMs: 0 };
}

export function flight(id: number, script: Script, hold = true, p = position('let x = ')): Flight {
  return new Flight(id, 'completion', p, scripted(script), { holdUntilFirstToken: hold, holdLimitMs: 10_000 });
}
