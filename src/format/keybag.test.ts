import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  createBackupKeybag,
  encodeKeybag,
  FormatError,
  parseKeybag,
  tryUnwrapKey,
  unlockKeybag,
  unlockKeybagWithKey,
  unwrapKey,
  wrapKey,
  type Keybag,
} from './index.js';
import { expectFormatError, FAST_KEYBAG, fixturePath, patternBytes } from './test-helpers.js';

/** A keybag holding one class whose WPKY is a hashcat "$itunes_backup$" hash (modes 14700/14800). */
function bagFromHashcat(hash: string): Keybag {
  const [, version, wpky, iter, salt, dpic, dpsl] = hash.split('*');
  assert.ok(version && wpky && iter && salt);
  return {
    salt: Buffer.from(salt, 'hex'),
    iterations: Number(iter),
    ...(version === '10' && dpic && dpsl ? { dpIterations: Number(dpic), dpSalt: Buffer.from(dpsl, 'hex') } : {}),
    classes: [{ uuid: Buffer.alloc(16), protectionClass: 1, wrap: 2, keyType: 0, wrappedKey: Buffer.from(wpky, 'hex') }],
    unknown: [],
  };
}

// hashcat (MIT): src/modules/module_14700.c / module_14800.c ST_HASH, and the hashcat wiki example hashes;
// all for the password "hashcat".
const HC_14700_SELFTEST = '$itunes_backup$*9*ebd7f9b33293b2511f0a4139d5b213feff51476968863cef60ec38d720497b6ff39a0bb63fa9f84e*10000*2202015774208421818002001652122401871832**';
const HC_14700_EXAMPLE = '$itunes_backup$*9*b8e3f3a970239b22ac199b622293fe4237b9d16e74bad2c3c3568cd1bd3c471615a6c4f867265642*10000*4542263740587424862267232255853830404566**';
const HC_14800_SELFTEST =
  '$itunes_backup$*10*17a3b858e79bc273be43a9f113b71efe7ec8e7e401396b350180b4592ef45db67ffef7b2d64329a5*10000*2721336781705041205314422175267631184867*1000*99fafc983e732998adb9fadc162a2e382143f115';
const HC_14800_EXAMPLE =
  '$itunes_backup$*10*8b715f516ff8e64442c478c2d9abb046fc6979ab079007d3dbcef3ddd84217f4c3db01362d88fa68*10000*2353363784073608264337337723324886300850*10000000*425b4bb4e200b5fd4c66979c9caca31716052063';

describe('AES key wrap', () => {
  it('matches RFC 3394 §4.6 (256-bit KEK, 256-bit key) and detects a wrong KEK', () => {
    const kek = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
    const key = Buffer.from('00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f', 'hex');
    const wrapped = wrapKey(kek, key);
    assert.equal(wrapped.toString('hex'), '28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21');
    assert.deepEqual(unwrapKey(kek, wrapped), key);
    assert.equal(tryUnwrapKey(Buffer.alloc(32), wrapped), undefined);
    assert.equal(tryUnwrapKey(kek, wrapped.subarray(0, 39)), undefined);
    assert.throws(() => unwrapKey(Buffer.alloc(32), wrapped), (e: unknown) => e instanceof FormatError && e.code === 'FORMAT_CORRUPT');
    assert.throws(() => wrapKey(Buffer.alloc(16), key), RangeError);
  });
});

describe('BackupKeyBag', () => {
  it('create → serialise → parse → unlock gives the class keys; a wrong password is FORMAT_WRONG_PASSWORD', async () => {
    const created = await createBackupKeybag('correct horse', FAST_KEYBAG);
    // 11 class blocks after the bag records: the size of real encrypted-backup bags (format.md §6.1).
    assert.equal(created.bytes.length, 1388);
    const bag = parseKeybag(created.bytes);
    assert.deepEqual(encodeKeybag(bag), created.bytes);
    assert.deepEqual(
      bag.classes.map((c) => c.protectionClass),
      [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
    );
    assert.ok(bag.classes.every((c) => c.wrap === 2 && c.keyType === 0 && c.wrappedKey?.length === 40));
    assert.equal(bag.version, 5);
    assert.equal(bag.type, 1);
    assert.equal(bag.salt?.length, 20);
    assert.equal(bag.dpSalt?.length, 20);
    const tags: string[] = [];
    for (let at = 0; at < created.bytes.length; at += 8 + created.bytes.readUInt32BE(at + 4)) tags.push(created.bytes.toString('latin1', at, at + 4));
    assert.deepEqual(tags.slice(0, 15), ['VERS', 'TYPE', 'UUID', 'HMCK', 'WRAP', 'SALT', 'ITER', 'DPWT', 'DPIC', 'DPSL', 'UUID', 'CLAS', 'WRAP', 'KTYP', 'WPKY']);

    const unlocked = await unlockKeybag(created.bytes, 'correct horse');
    assert.deepEqual(unlocked.classKeys, created.classKeys);
    assert.deepEqual(unlocked.derivedKey, created.derivedKey);
    await expectFormatError(() => unlockKeybag(bag, 'Correct horse'), 'FORMAT_WRONG_PASSWORD', /password is wrong/);
    await expectFormatError(() => unlockKeybag(bag, ''), 'FORMAT_WRONG_PASSWORD');
  });

  it('unlocks from a cached derived key without the KDF', async () => {
    const created = await createBackupKeybag('pässwörd ✓', FAST_KEYBAG);
    const bag = parseKeybag(created.bytes);
    assert.deepEqual(unlockKeybagWithKey(bag, created.derivedKey).classKeys, created.classKeys);
    assert.deepEqual((await unlockKeybag(bag, { derivedKey: created.derivedKey })).classKeys, created.classKeys);
    assert.throws(() => unlockKeybagWithKey(bag, Buffer.alloc(32, 1)), (e: unknown) => e instanceof FormatError && e.code === 'FORMAT_WRONG_PASSWORD');
  });

  it('reports device-bound (WRAP 3) classes instead of returning unusable keys', async () => {
    const created = await createBackupKeybag('pw', { ...FAST_KEYBAG, deviceBoundClasses: [9, 10, 11] });
    const unlocked = await unlockKeybag(created.bytes, 'pw');
    assert.deepEqual([...unlocked.classKeys.keys()].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual([...unlocked.deviceBoundClasses].sort((a, b) => a - b), [9, 10, 11]);
  });

  it('makes a pre-10.2 bag (no DPSL/DPIC) when dpIterations is 0', async () => {
    const created = await createBackupKeybag('pw', { iterations: 4, dpIterations: 0 });
    const bag = parseKeybag(created.bytes);
    assert.equal(bag.dpSalt, undefined);
    assert.equal(bag.dpIterations, undefined);
    assert.deepEqual((await unlockKeybag(bag, 'pw')).classKeys, created.classKeys);
  });

  it('parses a real device keybag byte-exactly (TrollRestore fixture: classes 1→11, WRAP 2 then 3)', async () => {
    const bytes = readFileSync(fixturePath('trollrestore-backup-keybag.bin'));
    const bag = parseKeybag(bytes);
    assert.equal(bytes.length, 1336);
    assert.deepEqual(encodeKeybag(bag), bytes);
    assert.equal(bag.version, 5);
    assert.equal(bag.type, 1);
    assert.equal(bag.iterations, 10000);
    assert.equal(bag.dpSalt, undefined);
    assert.deepEqual(
      bag.classes.map((c) => `${c.protectionClass}:${c.wrap}`),
      ['1:2', '2:2', '3:2', '4:2', '5:3', '6:3', '7:3', '8:3', '9:3', '10:3', '11:3'],
    );
    await expectFormatError(() => unlockKeybag(bag, 'not the password'), 'FORMAT_WRONG_PASSWORD');
  });

  it('password → key matches hashcat test vectors for iOS < 10.2 and ≥ 10.2 bags (fast counts)', async () => {
    const selftest = await unlockKeybag(bagFromHashcat(HC_14800_SELFTEST), 'hashcat');
    assert.equal(selftest.classKeys.get(1)?.toString('hex'), '2ed7042e87b50000fa6ba698661c000013194470a1f70000c35bd72ce0360000');
    for (const hash of [HC_14700_SELFTEST, HC_14700_EXAMPLE]) {
      assert.equal((await unlockKeybag(bagFromHashcat(hash), 'hashcat')).classKeys.size, 1);
      await expectFormatError(() => unlockKeybag(bagFromHashcat(hash), 'hashcat!'), 'FORMAT_WRONG_PASSWORD');
    }
  });

  it('matches the hashcat 14800 example with real costs (DPIC 10,000,000) without blocking the event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const unlocked = await unlockKeybag(bagFromHashcat(HC_14800_EXAMPLE), 'hashcat');
      assert.equal(unlocked.classKeys.get(1)?.toString('hex'), '5b6e248287b50000633fe25c661c000073d8cee4a1f70000463e0290e0360000');
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 20, `the event loop ran only ${ticks} timer ticks during the KDF`);
  });

  it('rejects malformed TLVs with FORMAT_BAD_KEYBAG', async () => {
    const good = (await createBackupKeybag('pw', FAST_KEYBAG)).bytes;
    const rec = (tag: string, value: Buffer): Buffer => Buffer.concat([Buffer.from(tag, 'latin1'), Buffer.from([0, 0, 0, value.length]), value]);
    const int = (n: number): Buffer => Buffer.from([0, 0, 0, n]);
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /empty/],
      ['cut header', good.subarray(0, 5), /cut off/],
      ['cut value', good.subarray(0, 10), /claims 4 bytes/],
      ['huge length', Buffer.concat([Buffer.from('VERS'), Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(4)]), /claims/],
      ['binary tag', Buffer.concat([Buffer.from([0, 1, 2, 3, 0, 0, 0, 0])]), /no record tag/],
      ['short int', rec('ITER', Buffer.from([1, 2])), /4-byte integer/],
      ['bad UUID', rec('UUID', Buffer.alloc(15)), /expected 16/],
      ['repeat SALT', Buffer.concat([rec('SALT', Buffer.alloc(20)), rec('SALT', Buffer.alloc(20))]), /twice/],
      ['CLAS outside block', rec('CLAS', int(1)), /outside any class block/],
      ['class without CLAS', Buffer.concat([rec('UUID', Buffer.alloc(16)), rec('UUID', Buffer.alloc(16)), rec('WRAP', int(2))]), /no CLAS/],
      ['duplicate class', Buffer.concat([rec('UUID', Buffer.alloc(16)), rec('UUID', Buffer.alloc(16)), rec('CLAS', int(1)), rec('UUID', Buffer.alloc(16)), rec('CLAS', int(1))]), /twice/],
      ['odd WPKY', Buffer.concat([rec('UUID', Buffer.alloc(16)), rec('UUID', Buffer.alloc(16)), rec('CLAS', int(1)), rec('WPKY', Buffer.alloc(33))]), /WPKY/],
      ['too big', Buffer.alloc(70_000, 0x41), /more than/],
    ];
    for (const [name, bytes, message] of cases) await expectFormatError(() => parseKeybag(bytes), 'FORMAT_BAD_KEYBAG', message).catch((e: unknown) => assert.fail(`${name}: ${String(e)}`));
  });

  it('refuses hostile KDF costs and bags it cannot unlock, before spending CPU', async () => {
    const created = await createBackupKeybag('pw', FAST_KEYBAG);
    const bag = parseKeybag(created.bytes);
    await expectFormatError(() => unlockKeybag({ ...bag, iterations: 0xffffffff }, 'pw'), 'FORMAT_BAD_KEYBAG', /limit/);
    await expectFormatError(() => unlockKeybag({ ...bag, dpIterations: undefined }, 'pw'), 'FORMAT_BAD_KEYBAG', /only one of DPSL and DPIC/);
    await expectFormatError(() => unlockKeybag({ ...bag, salt: undefined }, 'pw'), 'FORMAT_BAD_KEYBAG', /no SALT/);
    await expectFormatError(() => unlockKeybag({ ...bag, classes: bag.classes.map((c) => ({ ...c, wrap: 1 })) }, 'pw'), 'FORMAT_BAD_KEYBAG', /no class key/);
    const damaged = bag.classes.map((c, i) => (i === 3 && c.wrappedKey ? { ...c, wrappedKey: Buffer.from(c.wrappedKey).fill(7, 10, 12) } : c));
    await expectFormatError(() => unlockKeybag({ ...bag, classes: damaged }, 'pw'), 'FORMAT_BAD_KEYBAG', /do not unwrap although others do/);
  });

  it('never throws anything but FormatError on truncated or bit-flipped bags', async () => {
    const good = (await createBackupKeybag('pw', FAST_KEYBAG)).bytes;
    const noise = patternBytes(4096, 7);
    const variants: Buffer[] = [];
    for (let n = 0; n < good.length; n += 3) variants.push(good.subarray(0, n));
    for (let i = 0; i < 400; i++) {
      const flipped = Buffer.from(good);
      const at = (noise.readUInt16LE(i * 2) * 7) % flipped.length;
      flipped[at] = (flipped[at] ?? 0) ^ (1 << (noise[i] ?? 0) % 8);
      variants.push(flipped);
    }
    for (const bytes of variants) {
      try {
        unlockKeybagWithKey(parseKeybag(bytes), Buffer.alloc(32));
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
      }
    }
  });
});
