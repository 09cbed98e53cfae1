// Shared bits of the chat unit tests.
import type { Logger } from '../../../src/core/types';

export interface LinesLogger extends Logger {
  lines: { level: string; message: string }[];
  text(): string;
}

export function linesLogger(): LinesLogger {
  const lines: { level: string; message: string }[] = [];
  const add = (level: string) => (message: string | Error, ...rest: unknown[]) =>
    void lines.push({ level, message: [message instanceof Error ? message.message : message, ...rest.map(String)].join(' ') });
  return {
    lines,
    text: () => lines.map((l) => `${l.level}: ${l.message}`).join('\n'),
    trace: add('trace'),
    debug: add('debug'),
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` until true or `timeoutMs` passes. */
export async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}
