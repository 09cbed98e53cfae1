// Starts a real llama.cpp `llama-server` for tests and benchmarks. Plain Node
// only (no `vscode`), so it works inside the extension host and outside it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { freePort, waitForHttp } from './net';
import { skipWithReason } from './skips';

export interface LlamaServerOptions {
  /** The llama-server executable or launcher script. */
  launcher: string;
  /** Path of the .gguf model. */
  model: string;
  ctx?: number;
  parallel?: number;
  extraArgs?: string[];
  /** Default: a free port on 127.0.0.1. */
  port?: number;
  /** How long to wait for GET /health to answer 200 (default 30 s). */
  startTimeoutMs?: number;
}

export interface LlamaServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  /** The id of its model as GET /v1/models reports it. */
  modelId: string;
  /** Kills the server and waits until it has exited. */
  stop(): Promise<void>;
  /** The server's output so far (stdout and stderr, last ~256 KB). */
  log(): string;
}

const LOG_LIMIT = 256 * 1024;

export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServer> {
  const port = options.port ?? (await freePort());
  const args = [
    '-m',
    options.model,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '-c',
    String(options.ctx ?? 4096),
    '-np',
    String(options.parallel ?? 2),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(options.launcher, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > LOG_LIMIT) output = output.slice(output.length - LOG_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let exitReason: string | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      spawnError = error;
      exitReason = `failed to start ${options.launcher}: ${error.message}`;
      resolve();
    });
    child.on('exit', (code, signal) => {
      exitReason ??= `llama-server exited (${signal ?? `code ${code}`})`;
      resolve();
    });
  });
  // If our process ends first (a test run aborted), do not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.off('exit', killOnExit);
      if (exitReason === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
    })());

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health`, {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      ready: (status) => status === 200,
      abort: () => exitReason,
    });
  } catch (error) {
    await stop();
    const tail = output.trim().split('\n').slice(-25).join('\n');
    const message = spawnError ? exitReason : (error as Error).message;
    throw new Error(`llama-server did not become healthy: ${message}\n--- llama-server output (tail) ---\n${tail}`);
  }
  try {
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    return { url, port, modelId: models.data[0].id, stop, log: () => output };
  } catch (error) {
    await stop();
    throw new Error(`llama-server listed no model: ${(error as Error).message}`);
  }
}

/**
 * For a mocha hook or test: starts the llama-server named by the environment
 * (see llamaFromEnv), or skips when there is none (the summary says why).
 */
export async function startLlamaOrSkip(
  test: Mocha.Context,
  options: Omit<LlamaServerOptions, 'launcher' | 'model'> = {},
): Promise<LlamaServer> {
  const real = llamaFromEnv();
  if (real.skipReason !== undefined) skipWithReason(test, real.skipReason);
  return startLlamaServer({ ...options, launcher: real.launcher, model: real.model });
}

export type LlamaFromEnv =
  { launcher: string; model: string; skipReason?: undefined } | { launcher?: undefined; model?: undefined; skipReason: string };

/**
 * The llama-server launcher and model named by HEARTH_TEST_LLAMA_SERVER and
 * HEARTH_TEST_LLAMA_MODEL, or why tests that need them should be skipped.
 */
export function llamaFromEnv(env: NodeJS.ProcessEnv = process.env): LlamaFromEnv {
  const launcher = env.HEARTH_TEST_LLAMA_SERVER;
  const model = env.HEARTH_TEST_LLAMA_MODEL;
  if (!launcher || !model) {
    return {
      skipReason:
        'set HEARTH_TEST_LLAMA_SERVER (llama-server launcher, e.g. $(/work/shared/llama-server/install.sh)) ' +
        'and HEARTH_TEST_LLAMA_MODEL (.gguf file) to run tests against a real llama-server',
    };
  }
  try {
    fs.accessSync(launcher, fs.constants.X_OK);
  } catch {
    return { skipReason: `HEARTH_TEST_LLAMA_SERVER=${launcher} is not an executable file` };
  }
  if (!fs.existsSync(model) || !fs.statSync(model).isFile()) {
    return { skipReason: `HEARTH_TEST_LLAMA_MODEL=${model} does not exist` };
  }
  return { launcher, model };
}
