import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimStateError } from '../model/errors.js';
import { generateIdentity } from '../model/identity.js';
import { applySettings, defaultState, describeState, validateState } from '../model/state.js';
import { formatFault, HOSTILE_KINDS, parseFault } from './spec.js';

const base = defaultState(generateIdentity('fault-tests', 0, { productType: 'iPhone15,2' }));

function refused(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseFault(text),
    (error: unknown) => error instanceof SimStateError && error.key === 'fault' && pattern.test(error.message) && error.message.includes('fault accepts'),
    text,
  );
}

test('every fault spec parses to its canonical form', () => {
  const cases: Array<[string, string]> = [
    ['none', 'none'],
    ['stall', 'stall'],
    ['malformed', 'malformed'],
    ['storage-full', 'storage-full'],
    ['disconnect-after:1MB', 'disconnect-after:1000000'],
    ['disconnect-after:0', 'disconnect-after:0'],
    ['disconnect-after:64KiB', 'disconnect-after:65536'],
    ['slow:2MB', 'slow:2000000'],
    ['error:105', 'error:105'],
    [' error:1 ', 'error:1'],
  ];
  for (const kind of Object.keys(HOSTILE_KINDS)) cases.push([`hostile:${kind}`, `hostile:${kind}`]);
  for (const [text, canonical] of cases) {
    assert.equal(formatFault(parseFault(text)), canonical, text);
    assert.equal(formatFault(parseFault(canonical)), canonical, `${canonical} is a fixed point`);
  }
});

test('bad fault specs are refused naming the key and what it accepts', () => {
  refused('', /empty/);
  refused('explode', /unknown fault "explode"/);
  refused('stall:5', /stall takes no argument/);
  refused('none:', /none takes no argument/);
  refused('disconnect-after', /needs an argument/);
  refused('disconnect-after:', /needs an argument/);
  refused('disconnect-after:lots', /not a size/);
  refused('disconnect-after:-1', /not a size/);
  refused('slow:10', /at least 1024 bytes per second/);
  refused('error:0', /1 to 2147483647/);
  refused('error:-3', /1 to 2147483647/);
  refused('error:1.5', /1 to 2147483647/);
  refused('error:99999999999', /1 to 2147483647/);
  refused('hostile', /needs an argument/);
  refused('hostile:evil', /unknown hostile kind "evil" \(kinds: dotdot, absolute/);
  refused('Stall', /unknown fault/);
});

test('fault= is a setting: stored canonical, shown, validated when loaded, cleared with none', () => {
  const faulty = applySettings(base, ['fault=disconnect-after:2MB']);
  assert.equal(faulty.fault, 'disconnect-after:2000000');
  assert.equal(describeState(faulty)['fault'], 'disconnect-after:2000000');
  assert.equal(applySettings(faulty, ['fault=none']).fault, 'none');
  assert.throws(() => applySettings(base, ['fault=hostile:nope']), (e: unknown) => e instanceof SimStateError && e.key === 'fault');
  assert.throws(() => validateState({ ...base, fault: 'boom' }), (e: unknown) => e instanceof SimStateError && e.key === 'fault');
  assert.throws(() => validateState({ ...base, fault: 3 as never }), (e: unknown) => e instanceof SimStateError && e.key === 'fault');
});
