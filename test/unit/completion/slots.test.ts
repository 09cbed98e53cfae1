import assert from 'node:assert/strict';
import { SlotAffinity } from '../../../src/core/completion/slots';

describe('completion/slots: which llama.cpp slot completion asks for', () => {
  it('leaves a server with one slot to itself', () => {
    const a = new SlotAffinity(() => 1);
    assert.equal(a.next(), undefined);
    a.learn(0);
    assert.equal(a.next(), undefined);
  });

  it('asks for the last slot until the server reports one, then for that one', () => {
    const a = new SlotAffinity(() => 4);
    assert.equal(a.next(), 3);
    assert.equal(a.next(), 3, 'the request before was closed early: same slot');
    a.learn(1);
    assert.equal(a.next(), undefined, 'the request before ended normally: its slot is free, the server chooses');
    assert.equal(a.next(), 1, 'that one was closed early: the slot last reported');
  });

  it('ignores ids that are not slots (-1 in partial events, strings, fractions)', () => {
    const a = new SlotAffinity(() => 2);
    for (const bad of [-1, '0', 0.5, null, undefined, Number.NaN]) a.learn(bad);
    a.next();
    assert.equal(a.next(), 1);
  });

  it('forgets a reported slot the server no longer has (restarted with fewer)', () => {
    let n = 4;
    const a = new SlotAffinity(() => n);
    a.learn(3);
    a.next();
    n = 2;
    assert.equal(a.next(), 1);
  });

  it('with an unknown number of slots, asks only for one the server reported', () => {
    const a = new SlotAffinity(() => undefined);
    assert.equal(a.next(), undefined);
    a.learn(2);
    a.next();
    assert.equal(a.next(), 2);
  });
});
