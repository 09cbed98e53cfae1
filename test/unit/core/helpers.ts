// Shared bits of the core unit tests: a logger that keeps its lines and
// server configs pointing at fakes.
import assert from 'node:assert/strict';
import { HearthError } from '../../../src/core/errors';
import type { Logger, ServerConfig, ServerKind } from '../../../src/core/types';
import type { FakeServer } from '../../fakes';

export interface MemoryLogger extends Logger {
  lines: { level: string; message: string }[];
  text(): string;
}

export function memoryLogger(): MemoryLogger {
  const lines: { level: string; message: string }[] = [];
  const add =
    (level: string) =>
    (message: string | Error, ...rest: unknown[]) =>
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

export function configFor(fake: FakeServer | string, kind: ServerKind, extra: Partial<ServerConfig> = {}): ServerConfig {
  const url = typeof fake === 'string' ? fake : fake.url;
  return { name: `${kind} test`, kind, url, ...extra };
}

/**
 * For a `describe` block: `start(fake)` starts a fake server and every fake
 * started is closed after each test.
 */
export function useFakes(): <T extends FakeServer>(fake: T) => Promise<T> {
  const fakes: FakeServer[] = [];
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });
  return async (fake) => {
    fakes.push(fake);
    return fake.start();
  };
}

/** The HearthError `p` rejects with (fails when it resolves or rejects with something else). */
export async function rejects(p: Promise<unknown>): Promise<HearthError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HearthError, `expected a HearthError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}
