// `npm run check:package`: builds the VSIX and checks that it holds only what
// runs (no sources, tests, maps or node_modules) and stays under 1 MB.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const vsix = path.join(root, 'hearth.vsix');
const LIMIT = 1024 * 1024;

execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
// `vsce ls` lists exactly what `vsce package` puts in the VSIX.
const listing = execFileSync('npx', ['vsce', 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .map((f) => f.trim())
  .filter(Boolean)
  .map((f) => `extension/${f}`);
const forbidden = listing.filter((f) =>
  /(^|\/)(src|test|out|node_modules|bench|scripts)\/|\.ts$|\.map$/.test(f.replace(/^extension\//, '')),
);
const size = fs.statSync(vsix).size;
console.log(`hearth.vsix: ${listing.length} files, ${(size / 1024).toFixed(1)} KB`);
let failed = 0;
if (forbidden.length) {
  console.error(`the VSIX contains files that do not run:\n  ${forbidden.join('\n  ')}`);
  failed++;
}
if (size >= LIMIT) {
  console.error(`the VSIX is ${(size / 1024).toFixed(1)} KB, over the 1 MB limit`);
  failed++;
}
for (const needed of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/webview/webview.js']) {
  if (!listing.includes(needed)) {
    console.error(`the VSIX lacks ${needed}`);
    failed++;
  }
}
console.log(`package: ${failed === 0 ? 1 : 0} passed, ${failed === 0 ? 0 : 1} failed`);
process.exit(failed === 0 ? 0 : 1);
