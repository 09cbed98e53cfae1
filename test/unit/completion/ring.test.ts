import assert from 'node:assert/strict';
import { chunkSimilarity, ExtraRing, extraBudget, warmupDue } from '../../../src/core/completion/ring';
import { isSecretLooking } from '../../../src/core/secretFiles';

function chunk(tag: string, n = 10): string {
  return Array.from({ length: n }, (_, i) => `${tag} line ${i}`).join('\n');
}

describe('completion/ring', () => {
  it('appends new chunks and evicts the oldest, keeping order', () => {
    const ring = new ExtraRing({ maxChunks: 3 });
    for (const t of ['a', 'b', 'c', 'd']) assert.ok(ring.add(`${t}.ts`, chunk(t)));
    assert.deepEqual(
      ring.chunks.map((c) => c.filename),
      ['b.ts', 'c.ts', 'd.ts'],
    );
  });

  it('drops near-duplicates without moving the held chunk, version unchanged', () => {
    const ring = new ExtraRing();
    ring.add('a.ts', chunk('a', 20));
    ring.add('b.ts', chunk('b', 20));
    const v = ring.version;
    const almost = chunk('a', 20).replace('a line 3', 'a line three');
    assert.ok(chunkSimilarity(almost, chunk('a', 20)) > 0.9);
    assert.equal(ring.add('a.ts', almost), false);
    assert.equal(ring.version, v);
    assert.deepEqual(
      ring.chunks.map((c) => c.filename),
      ['a.ts', 'b.ts'],
    );
  });

  it('accepts an edited chunk that differs enough', () => {
    const ring = new ExtraRing();
    ring.add('a.ts', chunk('a', 10));
    const edited = chunk('a', 10)
      .split('\n')
      .map((l, i) => (i < 3 ? `changed ${i}` : l))
      .join('\n');
    assert.ok(ring.add('a.ts', edited));
    assert.equal(ring.size, 2);
  });

  it('never includes secret-looking files, and honours the predicate', () => {
    const ring = new ExtraRing({ isAllowed: (f) => !f.startsWith('dist/') });
    for (const f of ['.env', '.env.local', 'config/server.pem', 'keys/api.key', 'id_rsa', 'home/.ssh/config', '.npmrc', 'dist/out.js']) {
      assert.equal(ring.add(f, chunk('s')), false, f);
    }
    assert.equal(ring.size, 0);
    assert.ok(ring.add('src/ok.ts', chunk('ok')));
  });

  it('keeps secret-looking files out (the shared rule)', () => {
    assert.ok(isSecretLooking('/x/.env.production'));
    assert.ok(isSecretLooking('C:\\u\\id_ed25519'));
    assert.ok(isSecretLooking('secrets.yaml'));
    assert.ok(!isSecretLooking('src/environment.ts'));
    assert.ok(!isSecretLooking('src/keyboard.ts'));
  });

  it('skips chunks with almost no content', () => {
    assert.equal(new ExtraRing().add('a.ts', '\n\n  \nx\n'), false);
  });

  it('addAround takes an aligned window so nearby events give the same chunk', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `l${i}`);
    const ring = new ExtraRing({ chunkLines: 64 });
    assert.ok(ring.addAround('f.ts', (i) => lines[i], lines.length, 100));
    assert.equal(
      ring.addAround('f.ts', (i) => lines[i], lines.length, 110),
      false,
    );
    assert.ok(ring.chunks[0].text.startsWith('l64\n'));
    assert.equal(ring.chunks[0].text.split('\n').length - 1, 64);
  });

  it('select returns the newest chunks that fit, in ring order, without the current file', () => {
    const ring = new ExtraRing();
    for (const t of ['a', 'b', 'c', 'd']) ring.add(`${t}.ts`, chunk(t, 10));
    const cost = Math.ceil((ring.chunks[0].text.length + 4 + 2) / 3) + 2;
    assert.deepEqual(
      ring.select(cost * 2, 3).map((c) => c.filename),
      ['c.ts', 'd.ts'],
    );
    assert.deepEqual(
      ring.select(cost * 2, 3, 'd.ts').map((c) => c.filename),
      ['b.ts', 'c.ts'],
    );
    assert.deepEqual(ring.select(0, 3), []);
  });

  it('is bounded in characters: a minified chunk is cut, the ring holds at most maxTotalChars', () => {
    const ring = new ExtraRing({ maxChunkChars: 1000, maxTotalChars: 3000 });
    const minified = `${'x'.repeat(200_000)}\nsecond line\nthird line\n`;
    assert.equal(ring.add('min.js', minified), false, 'one cut line is nearly empty: not worth a chunk');
    const long = Array.from({ length: 64 }, (_, i) => `const value${i} = ${'"'.repeat(1)}${'y'.repeat(90)}";`).join('\n');
    assert.ok(ring.add('long.ts', long));
    const kept = ring.chunks[0].text;
    assert.ok(kept.length <= 1000, `${kept.length} characters`);
    assert.ok(long.startsWith(kept.slice(0, -1)) && kept.endsWith('";\n'), 'cut at a line end');
    for (const t of ['a', 'b', 'c', 'd', 'e']) ring.add(`${t}.ts`, chunk(t, 80));
    assert.ok(ring.totalChars <= 3000, `${ring.totalChars} characters held`);
    assert.ok(!ring.chunks.some((c) => c.filename === 'long.ts'), 'the oldest went first');
    assert.equal(
      ring.totalChars,
      ring.chunks.reduce((n, c) => n + c.text.length, 0),
    );
  });

  it('one chunk too big for the budget does not starve the others', () => {
    const ring = new ExtraRing();
    ring.add('small1.ts', chunk('s1', 5));
    ring.add('small2.ts', chunk('s2', 5));
    ring.add('huge.ts', chunk('h', 60));
    const small = Math.ceil((ring.chunks[0].text.length + 'small1.ts'.length + 2) / 3) + 2;
    assert.deepEqual(
      ring.select(small * 2 + 1, 3).map((c) => c.filename),
      ['small1.ts', 'small2.ts'],
    );
  });

  it('version changes on add, removeFile and clear', () => {
    const ring = new ExtraRing();
    const v0 = ring.version;
    ring.add('a.ts', chunk('a'));
    const v1 = ring.version;
    ring.removeFile('a.ts');
    const v2 = ring.version;
    assert.ok(v0 !== v1 && v1 !== v2);
    ring.clear();
    assert.equal(ring.version, v2);
  });

  it('extraBudget follows n_ctx - n_batch - 2*n_predict', () => {
    assert.equal(extraBudget(2048, 2048), 1);
    assert.equal(extraBudget(8192, 2048, -1, 1), 6146);
    assert.equal(extraBudget(undefined, 2048), 0);
    assert.equal(extraBudget(1024, 2048), 0);
  });

  it('warmupDue: ring changed, user idle, nothing running', () => {
    const base = { ringVersion: 2, warmedVersion: 1, idleForMs: 2000, idleMs: 1500, busy: false };
    assert.equal(warmupDue(base), true);
    assert.equal(warmupDue({ ...base, warmedVersion: 2 }), false);
    assert.equal(warmupDue({ ...base, idleForMs: 100 }), false);
    assert.equal(warmupDue({ ...base, busy: true }), false);
  });
});
