// Paths of the project and a throw-away copy of the fixture workspace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The project root (the folder with package.json), found from this compiled file in out/test/harness. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export interface WorkspaceCopy {
  /** Absolute path of the copied workspace folder. */
  folder: string;
  remove(): void;
}

/** Copies test/fixtures/workspace to a fresh temp folder, so tests may edit it freely. */
export function copyFixtureWorkspace(name = 'workspace'): WorkspaceCopy {
  const source = path.join(projectRoot(), 'test', 'fixtures', name);
  if (!fs.existsSync(source)) throw new Error(`fixture ${source} is missing`);
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-ws-'));
  const folder = path.join(temp, name);
  fs.cpSync(source, folder, { recursive: true });
  if (name === 'workspace' && !fs.existsSync(path.join(folder, 'secret', 'notes.txt'))) {
    // secret/ is git-ignored by the fixture's own .gitignore; it must be force-added to git.
    process.stderr.write(`warning: ${source}/secret/notes.txt is missing (git add -f it)\n`);
  }
  return { folder, remove: () => fs.rmSync(temp, { recursive: true, force: true }) };
}
