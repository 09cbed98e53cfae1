// A copy of a GGUF model that llama.cpp cannot fill in the middle with: the
// `tokenizer.ggml.fim_*` metadata keys and the FIM token texts are renamed
// (same byte lengths, so nothing else in the file moves). llama.cpp finds FIM
// tokens by those keys or, failing that, by the token texts; without either,
// /infill answers 501 "Infill is not supported by this model". Used by the
// real-server tests of Hearth's FIM check; the copy goes to a cache folder
// and is never committed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const RENAMES: [string, string][] = [
  ['tokenizer.ggml.fim_', 'tokenizer.ggml.xim_'],
  ['<|fim_', '<|xim_'],
  ['<|repo_name|>', '<|xepo_name|>'],
  ['<|file_sep|>', '<|xile_sep|>'],
];

function replaceAll(data: Buffer, from: Buffer, to: Buffer): number {
  let count = 0;
  for (let at = data.indexOf(from); at >= 0; at = data.indexOf(from, at + from.length)) {
    to.copy(data, at);
    count++;
  }
  return count;
}

/**
 * Writes (once) and returns the path of `source` without FIM tokens, in
 * `dir` (default: hearth-models in the temp folder). Throws when `source`
 * has no `<|fim_…|>` tokens to rename (then it cannot serve as the FIM model either).
 */
export function noFimModel(source: string, dir = path.join(os.tmpdir(), 'hearth-models')): string {
  const stat = fs.statSync(source);
  const out = path.join(dir, `${path.basename(source, '.gguf')}-${stat.size}-${Math.round(stat.mtimeMs)}-nofim.gguf`);
  if (fs.existsSync(out)) return out;
  const data = fs.readFileSync(source);
  for (const [from, to] of RENAMES) {
    const count = replaceAll(data, Buffer.from(from, 'utf8'), Buffer.from(to, 'utf8'));
    if (from === '<|fim_' && count === 0) throw new Error(`${source} has no <|fim_…|> tokens to take away`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(temp, data);
  fs.renameSync(temp, out);
  return out;
}
