/**
 * The virtual phone's file system as a backup agent sees it: determinism, the default profile's size
 * and speed, ordering, flags, apps and summary.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { parseBinaryPlist } from '../../src/plist/index.js';
import { generateIdentity } from '../model/identity.js';
import { createDeviceFileSystem, DEFAULT_PROFILE, type DeviceFile, type VirtualDeviceFileSystem } from './index.js';

const identity = generateIdentity('sim-data-tests', 0);

async function sha(fs: VirtualDeviceFileSystem, f: DeviceFile): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.open(f)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function listing(fs: VirtualDeviceFileSystem): string[] {
  return [...fs.list()].map((f) => `${f.domain}\t${f.relativePath}\t${f.kind}\t${f.size}\t${f.mode.toString(8)}\t${f.inode}\t${f.lastModified}\t${f.generation}`);
}

test('the same seed gives the same entries and bytes; another seed gives others', async () => {
  const a = createDeviceFileSystem({ seed: 'determinism', identity });
  const b = createDeviceFileSystem({ seed: 'determinism', identity });
  const c = createDeviceFileSystem({ seed: 'determinism-2', identity });
  try {
    const la = listing(a);
    assert.deepEqual(listing(b), la);
    assert.notDeepEqual(listing(c), la);
    const files = [...a.list()].filter((f) => f.kind === 'file');
    // Every database, plist and a sample of bulk files: identical bytes across two instances.
    const sampleFiles = files.filter((f, k) => !/DCIM|Attachments|Documents|Message\/Media/.test(f.relativePath) || k % 17 === 0);
    for (const f of sampleFiles) {
      const other = b.stat(f.domain, f.relativePath);
      assert.ok(other, `${f.relativePath} exists in both`);
      assert.equal(await sha(b, other), await sha(a, f), `${f.domain}/${f.relativePath} has the same bytes`);
    }
    const sms = c.stat('HomeDomain', 'Library/SMS/sms.db');
    const smsA = a.stat('HomeDomain', 'Library/SMS/sms.db');
    assert.ok(sms && smsA);
    assert.notEqual(await sha(c, sms), await sha(a, smsA));
  } finally {
    a.dispose();
    b.dispose();
    c.dispose();
  }
});

test('the default profile is small, quick and close to its target', (t) => {
  const started = performance.now();
  const fs = createDeviceFileSystem({ seed: 'default-profile', identity });
  try {
    const all = [...fs.list()];
    const ms = performance.now() - started;
    const files = all.filter((f) => f.kind === 'file');
    const bytes = files.reduce((s, f) => s + f.size, 0);
    t.diagnostic(`default profile: ${files.length} files, ${all.length} entries, ${(bytes / 1e6).toFixed(1)} MB, built and listed in ${ms.toFixed(0)} ms`);
    assert.ok(Math.abs(files.length - DEFAULT_PROFILE.files) <= DEFAULT_PROFILE.files * 0.1, `${files.length} files ≈ ${DEFAULT_PROFILE.files}`);
    assert.ok(Math.abs(bytes - DEFAULT_PROFILE.bytes) <= DEFAULT_PROFILE.bytes * 0.25, `${bytes} bytes ≈ ${DEFAULT_PROFILE.bytes}`);
  } finally {
    fs.dispose();
  }
});

test('entries come in (domain, path) order, with directories, realistic metadata and every domain', () => {
  const fs = createDeviceFileSystem({ seed: 'order', identity });
  try {
    const all = [...fs.list()];
    for (let k = 1; k < all.length; k++) {
      const p = all[k - 1];
      const q = all[k];
      assert.ok(p && q);
      assert.ok(p.domain < q.domain || (p.domain === q.domain && p.relativePath < q.relativePath), `${p.domain}/${p.relativePath} before ${q.domain}/${q.relativePath}`);
    }
    const domains = new Set(all.map((f) => f.domain));
    for (const d of ['HomeDomain', 'MediaDomain', 'CameraRollDomain', 'KeychainDomain', 'HealthDomain', 'WirelessDomain', 'SystemPreferencesDomain', 'RootDomain', 'ManagedPreferencesDomain', 'AppDomainGroup-group.com.apple.notes', 'AppDomain-net.whatsapp.WhatsApp', 'AppDomainGroup-group.net.whatsapp.WhatsApp.shared', 'AppDomainPlugin-net.whatsapp.WhatsApp.ServiceExtension']) {
      assert.ok(domains.has(d), `has ${d}`);
      assert.equal(fs.stat(d, '')?.kind, 'directory', `${d} root directory is listed`);
    }
    for (const f of all) {
      const type = f.mode & 0o170000;
      assert.equal(type, f.kind === 'file' ? 0o100000 : f.kind === 'directory' ? 0o040000 : 0o120000, `${f.relativePath} mode matches kind`);
      if (f.kind !== 'file') assert.equal(f.size, 0);
      assert.ok(f.lastModified > 1.5e9 && f.lastModified < 1.8e9, 'Unix seconds');
      assert.ok([0, 25, 501].includes(f.uid));
      assert.ok(f.kind === 'directory' ? f.protectionClass === 0 : f.kind === 'symlink' || (f.protectionClass >= 1 && f.protectionClass <= 11));
    }
    assert.ok(!all.some((f) => /(^|\/)(Caches|tmp)(\/|$)/.test(f.relativePath) && f.domain.startsWith('AppDomain')), 'no caches or tmp in app containers');
    const link = fs.stat('HomeDomain', 'Library/Preferences/com.apple.carrier.plist');
    assert.equal(link?.kind, 'symlink');
    assert.match(link?.target ?? '', /^\/private\/var\/mobile\//);
    assert.equal(fs.stat('WirelessDomain', 'Library/Preferences/com.apple.commcenter.plist')?.uid, 25);
    assert.equal(fs.stat('RootDomain', '')?.uid, 0);
  } finally {
    fs.dispose();
  }
});

test('health and keychain are encrypted-only; camera-roll originals are excluded with iCloud Photos', () => {
  const fs = createDeviceFileSystem({ seed: 'flags', identity });
  try {
    for (const f of fs.list()) {
      const encryptedOnly = f.domain === 'HealthDomain' || f.domain === 'KeychainDomain';
      assert.equal(f.onlyInEncryptedBackup === true, encryptedOnly, `${f.domain}/${f.relativePath} onlyInEncryptedBackup`);
      const original = f.domain === 'CameraRollDomain' && f.kind === 'file' && f.relativePath.startsWith('Media/DCIM/');
      assert.equal(f.excludedWithICloudPhotos === true, original, `${f.domain}/${f.relativePath} excludedWithICloudPhotos`);
    }
    assert.ok(fs.stat('KeychainDomain', 'keychain-backup.plist')?.onlyInEncryptedBackup);
    assert.ok(fs.stat('HealthDomain', 'Health/healthdb_secure.sqlite')?.onlyInEncryptedBackup);
    assert.equal(fs.stat('CameraRollDomain', 'Media/PhotoData/Photos.sqlite')?.excludedWithICloudPhotos, undefined);
  } finally {
    fs.dispose();
  }
});

test('stat finds every listed entry, including bulk files, and nothing else', () => {
  const fs = createDeviceFileSystem({ seed: 'stat', identity });
  try {
    for (const f of fs.list()) assert.deepEqual(fs.stat(f.domain, f.relativePath), f, `${f.domain}/${f.relativePath}`);
    assert.equal(fs.stat('CameraRollDomain', 'Media/DCIM/100APPLE/IMG_9999.HEIC'), undefined);
    assert.equal(fs.stat('MediaDomain', 'Library/SMS/Attachments/ff/ff'), undefined);
    assert.equal(fs.stat('NoSuchDomain', ''), undefined);
  } finally {
    fs.dispose();
  }
});

test('apps carry versions, domains and a binary-plist iTunesMetadata', () => {
  const fs = createDeviceFileSystem({ seed: 'apps', identity });
  try {
    const apps = fs.apps();
    assert.ok(apps.length >= 5);
    for (const app of apps) {
      assert.match(app.bundleId, /^[a-z]+\.[\w.]+$/i);
      assert.ok(app.domains.includes(`AppDomain-${app.bundleId}`));
      for (const d of app.domains) assert.equal(fs.stat(d, '')?.kind, 'directory', `${d} exists`);
      const meta = parseBinaryPlist(app.iTunesMetadata) as Record<string, unknown>;
      assert.equal(meta.softwareVersionBundleId, app.bundleId);
      assert.equal(meta.bundleVersion, app.version);
      assert.equal(app.applicationSinf.toString('latin1', 4, 8), 'sinf');
    }
    const again = createDeviceFileSystem({ seed: 'apps', identity });
    assert.deepEqual(again.apps(), apps);
    again.dispose();
  } finally {
    fs.dispose();
  }
});

test('summary counts entries per domain and items per data type', () => {
  const fs = createDeviceFileSystem({ seed: 'summary', identity });
  try {
    const s = fs.summary();
    const files = [...fs.list()].filter((f) => f.kind === 'file');
    assert.equal(s.total.files, files.length);
    assert.equal(s.total.bytes, files.reduce((a, f) => a + f.size, 0));
    assert.equal(Object.values(s.domains).reduce((a, d) => a + d.files, 0), s.total.files);
    assert.ok(s.counts.messages > 100 && s.counts.contacts > 20 && s.counts.photos > 50 && s.counts.videos > 0);
    assert.equal(s.counts.messageAttachments, files.filter((f) => f.domain === 'MediaDomain').length);
  } finally {
    fs.dispose();
  }
});
