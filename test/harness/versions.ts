// The VS Code versions the harness can run, each from the npm package
// code-server that bundles it, on the Node major that code-server needs.
// Pick one with HEARTH_VSCODE=1.139.1 (or a runner's `--vscode 1.139.1`);
// `newest` and `oldest` name the ends of the table.

export interface VSCodeVersion {
  /** The VS Code version, e.g. 1.139.1. */
  vscode: string;
  /** The npm package code-server that bundles it. */
  codeServer: string;
  /** The Node major its server and extension host run on. */
  nodeMajor: number;
  /**
   * Whether the server ignores the URL payload's extensionDevelopmentPath
   * without --enable-smoke-test-driver (release builds after 1.117).
   */
  needsSmokeTestDriver: boolean;
}

/** Oldest first; the first one is the default and the minimum Hearth supports. */
export const VERSIONS: readonly VSCodeVersion[] = [
  { vscode: '1.100.3', codeServer: '4.100.3', nodeMajor: 20, needsSmokeTestDriver: false },
  { vscode: '1.104.0', codeServer: '4.104.0', nodeMajor: 22, needsSmokeTestDriver: false },
  { vscode: '1.117.0', codeServer: '4.117.0', nodeMajor: 22, needsSmokeTestDriver: false },
  { vscode: '1.139.1', codeServer: '4.139.1', nodeMajor: 24, needsSmokeTestDriver: true },
];

export const OLDEST = VERSIONS[0];
export const NEWEST = VERSIONS[VERSIONS.length - 1];

/** A version by name: `1.139.1`, `1.139` (the table's entry), `newest` or `oldest`. */
export function findVersion(name: string): VSCodeVersion {
  const wanted = name.trim();
  if (wanted === 'newest') return NEWEST;
  if (wanted === 'oldest' || wanted === 'default') return OLDEST;
  const found = VERSIONS.find((v) => v.vscode === wanted || v.vscode.startsWith(`${wanted}.`));
  if (!found) {
    throw new Error(
      `VS Code ${wanted} is not in the harness's table (test/harness/versions.ts): use one of ${VERSIONS.map((v) => v.vscode).join(', ')}, newest or oldest`,
    );
  }
  return found;
}

/** The version a run asks for: `--vscode X` in `argv`, else HEARTH_VSCODE, else the oldest. */
export function selectedVersion(argv: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): VSCodeVersion {
  const flag = argv.indexOf('--vscode');
  if (flag >= 0) {
    const value = argv[flag + 1];
    if (!value) throw new Error('--vscode needs a version, e.g. --vscode 1.139.1');
    return findVersion(value);
  }
  return env.HEARTH_VSCODE ? findVersion(env.HEARTH_VSCODE) : OLDEST;
}
