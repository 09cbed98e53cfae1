// One rule, shared by chat context and completion's extra context, for files
// that often hold keys or passwords. Such files are never sent to a model
// without the user's explicit confirmation.

const SECRET_NAMES: readonly RegExp[] = [
  /^\.env(\..*)?$/, // .env, .env.local, .env.production …
  /^\.envrc$/,
  /\.(pem|key|p12|pfx|jks|keystore|crt|cer|der|kdbx|ovpn|tfvars|gpg|asc|ppk)$/,
  /\.tfstate(\.backup)?$/,
  /^id_(rsa|dsa|ecdsa|ed25519)(\..*)?$/,
  /^\.(npmrc|yarnrc|pypirc|netrc|pgpass|git-credentials|htpasswd|dockercfg|my\.cnf|s3cfg)$/,
  /^_netrc$/,
  /^credentials(\..*)?$/,
  /^secrets?\.(json|ya?ml|toml|ini|txt|env|conf|cfg|properties)$/,
  /^service[-_]?account.*\.json$/,
];
const SECRET_DIRS = new Set(['.ssh', '.aws', '.gnupg', '.azure', '.kube', '.docker']);

/**
 * True for files that often hold keys or passwords (`.env*`, `*.pem`,
 * `*.key`, `id_rsa*`, `*.p12`, `*.pfx`, `.npmrc`, `credentials*`, files in
 * `.ssh/` …), by path, case-insensitively.
 */
export function isSecretLooking(path: string): boolean {
  const parts = path.toLowerCase().split(/[\\/]/).filter(Boolean);
  const name = parts[parts.length - 1] ?? '';
  if (parts.slice(0, -1).some((p) => SECRET_DIRS.has(p))) return true;
  return SECRET_NAMES.some((re) => re.test(name));
}
