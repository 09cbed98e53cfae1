// What every end-to-end case gets from test/harness/runE2E.ts: the workbench
// page, a fake llama.cpp serving chat and /infill, and a real llama-server
// when one is available.
import type { Page } from 'playwright-core';
import type { ChatRoutes } from '../fakes/chatRoutes';
import type { FimFake } from '../fakes/fimRoutes';

export interface E2EContext {
  page: Page;
  fake: { routes: ChatRoutes; fim: FimFake; url: string; model: string };
  real?: { url: string; model: string };
  /** Why the real-server cases are skipped. */
  realSkipReason?: string;
  resultsDir: string;
  /** Reloads the workbench page (a new extension host). */
  reload(): Promise<void>;
}

export interface E2ECase {
  name: string;
  skip?: (ctx: E2EContext) => string | undefined;
  run(ctx: E2EContext): Promise<void>;
}
