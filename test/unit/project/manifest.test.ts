// package.json must agree with the code and with the safety rules.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHAT_DEFAULTS } from '../../../src/chat/settings';
import { COMPLETION_DEFAULTS } from '../../../src/completion/settings';
import { SERVER_DEFAULTS } from '../../../src/core/servers/kinds';
import { TASK_DEFAULTS } from '../../../src/tasks/settings';
import { LM_DEFAULTS } from '../../../src/lm/settings';

const root = path.resolve(__dirname, '../../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const props: Record<string, { scope?: string; default?: unknown }> = pkg.contributes.configuration.properties;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('package.json', () => {
  it('targets the VS Code the tests run on', () => {
    assert.equal(pkg.engines.vscode, '^1.100.0');
    assert.equal(pkg.devDependencies['@types/vscode'], '1.100.0');
    assert.equal(lock.packages['node_modules/@types/vscode'].version, '1.100.0');
  });

  it('runs on the UI side so that localhost is the user machine under Remote-SSH', () => {
    assert.deepEqual(pkg.extensionKind, ['ui', 'workspace']);
    assert.deepEqual(pkg.activationEvents, ['onStartupFinished']);
  });

  it('gives every command the Hearth category', () => {
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Hearth', c.command);
  });

  it('registers a handler in the code for every declared command', () => {
    const code = sourceFiles(path.join(root, 'src'))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    const missing = pkg.contributes.commands.map((c: { command: string }) => c.command).filter((id: string) => !code.includes(`'${id}'`));
    assert.deepEqual(missing, []);
  });

  it('makes every setting that decides where traffic or keys go application-scoped', () => {
    const sensitive = Object.keys(props).filter((k) => /servers|url|endpoint|header|key|autoDetect/i.test(k));
    assert.ok(sensitive.includes('hearth.servers'));
    for (const key of sensitive) assert.equal(props[key].scope, 'application', key);
  });

  it("supports Restricted Mode, ignoring a workspace's settings that shape what is sent", () => {
    const trust = pkg.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    assert.ok(trust.description.length > 20);
    const restricted: string[] = trust.restrictedConfigurations;
    for (const key of [
      'hearth.completion.template',
      'hearth.completion.samplers',
      'hearth.completion.enable',
      'hearth.completion.prefixLines',
      'hearth.completion.suffixLines',
    ])
      assert.ok(restricted.includes(key), key);
    for (const key of restricted) {
      assert.ok(key in props, `${key} is a setting`);
      assert.notEqual(props[key].scope, 'application', `${key}: application settings never come from a workspace anyway`);
    }
  });

  it('declares every setting the code reads', () => {
    const code = sourceFiles(path.join(root, 'src'))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    const read = [...code.matchAll(/\bread(?:<[^>]+>)?\('([\w.]+)'/g)].map((m) => `hearth.${m[1]}`);
    const undeclared = [...new Set(read)].filter((k) => !(k in props));
    assert.deepEqual(undeclared, []);
  });

  it('declares the same defaults as the code', () => {
    const code: Record<string, unknown> = {
      'hearth.servers': SERVER_DEFAULTS.servers,
      'hearth.autoDetect': SERVER_DEFAULTS.autoDetect,
    };
    for (const [key, value] of Object.entries(CHAT_DEFAULTS)) code[`hearth.${key}`] = value;
    for (const [key, value] of Object.entries(COMPLETION_DEFAULTS)) code[`hearth.completion.${key}`] = value;
    for (const [key, value] of Object.entries(TASK_DEFAULTS)) code[`hearth.${key}`] = value;
    for (const [key, value] of Object.entries(LM_DEFAULTS)) code[`hearth.${key}`] = value;
    code['hearth.completion.samplers'] ??= null; // unset in the code: the engine's own chain
    assert.deepEqual(Object.keys(code).sort(), Object.keys(props).sort(), 'the same settings');
    for (const key of Object.keys(props)) assert.deepEqual(props[key].default, code[key], key);
  });
});
