// One rule, shared by chat context and completion's extra context (through
// the file policy), for files that often hold keys, tokens or passwords.
// Such files are never sent to a model without the user's explicit confirmation.

const SECRET_NAMES: readonly RegExp[] = [
  /^\.env(\..*)?$/, // .env, .env.local, .env.production …
  /^\.envrc$/,
  /\.(pem|key|p8|p12|pfx|jks|keystore|crt|cer|der|kdbx|ovpn|tfvars|gpg|asc|ppk|tfrc\.json)$/,
  /\.tfstate(\.backup)?$/,
  /^id_(rsa|dsa|ecdsa|ed25519)(\..*)?$/,
  // Package managers, tools and shells that keep tokens in a dotfile.
  /^\.(npmrc|yarnrc|yarnrc\.yml|pypirc|netrc|pgpass|git-credentials|htpasswd|dockercfg|my\.cnf|s3cfg|boto|vault-token|terraformrc|docker-credentials|rclone\.conf)$/,
  /^(_netrc|terraform\.rc|rclone\.conf|settings-security\.xml)$/,
  /^credentials(\..*)?$/, // ~/.aws/credentials, ~/.cargo/credentials.toml, ~/.gem/credentials
  /^application_default_credentials\.json$/, // gcloud
  /^client_secrets?[-_.].*\.json$|^client_secrets?\.json$/, // Google OAuth clients
  /^kubeconfig/, // kubeconfig, kubeconfig.yaml, kubeconfig-prod
  /^secrets?\.(json|ya?ml|toml|ini|txt|env|conf|cfg|properties)$/,
  /^\.secrets?$/,
  /^service[-_]?account.*\.json$/,
  /^auth\.json$/, // Composer, Docker
];
/** Folders whose files all count: ~/.ssh, ~/.aws, ~/.gnupg … */
const SECRET_DIRS = new Set(['.ssh', '.aws', '.gnupg', '.azure', '.kube', '.docker', '.oci', '.password-store']);
/** Names that count inside one folder: gh's `hosts.yml` (its token), gcloud's token stores. */
const SECRET_IN_DIR: readonly [string, RegExp][] = [
  ['gh', /^hosts\.ya?ml$/],
  ['gcloud', /^(access_tokens\.db|credentials\.db|legacy_credentials)$/],
];

/**
 * True for files that often hold keys or passwords (`.env*`, `*.pem`,
 * `*.key`, `id_rsa*`, `*.p12`, `.npmrc`, `.yarnrc.yml`, `credentials*`,
 * `kubeconfig*`, `.vault-token`, files in `.ssh/`, gh's `hosts.yml` …), by
 * path, case-insensitively.
 */
export function isSecretLooking(path: string): boolean {
  const parts = path.toLowerCase().split(/[\\/]/).filter(Boolean);
  const name = parts[parts.length - 1] ?? '';
  if (parts.slice(0, -1).some((p) => SECRET_DIRS.has(p))) return true;
  const parent = parts[parts.length - 2];
  if (SECRET_IN_DIR.some(([dir, re]) => dir === parent && re.test(name))) return true;
  return SECRET_NAMES.some((re) => re.test(name));
}
