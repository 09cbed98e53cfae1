// Builds the extension host bundle, the webview bundle and (with --tests) the
// test files. `node esbuild.mjs --production` minifies for the VSIX.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');
const watch = process.argv.includes('--watch');

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const common = { logLevel: 'warning', sourcemap: !production, minify: production, legalComments: 'none' };

const configs = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['vscode'],
    outfile: 'dist/extension.js',
  },
  {
    ...common,
    entryPoints: ['src/chat/webview/main.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    // Its own folder: the webview may load nothing else of the extension (localResourceRoots).
    outfile: 'dist/webview/webview.js',
    loader: { '.ttf': 'file' },
  },
];

if (tests) {
  // Each source and test file is transpiled on its own (no bundling) so that
  // unit tests run in plain Node and integration tests `require('vscode')`.
  configs.push({
    entryPoints: [...walk('src'), ...walk('test'), ...walk('bench'), ...walk('scripts')],
    bundle: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outdir: 'out',
    outbase: '.',
    sourcemap: true,
    logLevel: 'warning',
  });
}

const existing = configs.filter((c) =>
  c.entryPoints.every((e) => {
    try {
      return statSync(e).isFile();
    } catch {
      return false;
    }
  }),
);
/** Removes compiled test files whose source is gone (a stale test would still run). */
function pruneOut() {
  for (const file of walkJs('out')) {
    const source = file.replace(/^out\//, '').replace(/\.js(\.map)?$/, '.ts');
    if (!existsSync(source)) rmSync(file, { force: true });
  }
}

function walkJs(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walkJs(p, out);
    else if (p.endsWith('.js') || p.endsWith('.js.map')) out.push(p);
  }
  return out;
}

if (watch) {
  for (const c of existing) (await esbuild.context(c)).watch();
} else {
  await Promise.all(existing.map((c) => esbuild.build(c)));
  if (tests) pruneOut();
}
