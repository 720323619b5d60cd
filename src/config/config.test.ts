import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, configPath, configuredVaultRoot, loadConfig, saveConfig, updateConfig } from './config.js';
import { DEFAULT_CONFIG, resolvePolicy } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'lifeboat-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const UDID = '00008110-001A2B3C4D5E6F70';

describe('config', () => {
  it('gives the defaults when there is no file, and lives under LIFEBOAT_HOME when that is set', () => {
    assert.deepEqual(loadConfig(join(dir, 'missing.json')), DEFAULT_CONFIG);
    assert.equal(configPath({ LIFEBOAT_HOME: '/x' }), '/x/config.json');
    assert.equal(configPath({ LIFEBOAT_CONFIG: '/y/c.json', LIFEBOAT_HOME: '/x' }), '/y/c.json');
    assert.equal(configPath({ XDG_CONFIG_HOME: '/c' }, 'linux'), '/c/lifeboat/config.json');
  });

  it('merges a device override over the defaults', () => {
    const path = join(dir, 'merge.json');
    writeFileSync(path, JSON.stringify({ defaults: { intervalHours: 12 }, devices: { [UDID]: { conditions: { requireLocked: true }, retention: { last: 7 } } } }));
    const config = loadConfig(path);
    const policy = resolvePolicy(config, UDID);
    assert.equal(policy.intervalHours, 12);
    assert.equal(policy.conditions.requireLocked, true);
    assert.equal(policy.conditions.requirePower, true, 'untouched conditions keep their defaults');
    assert.deepEqual(policy.retention, { last: 7 });
    assert.deepEqual(resolvePolicy(config, 'other').retention, DEFAULT_CONFIG.defaults.retention);
  });

  it('names every wrong field instead of ignoring it', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ defaults: { intervalHours: -1, retentoin: {} }, alerts: { webhooks: [{ url: 'ftp://x' }] }, daemon: { maxParallel: 0 } }));
    assert.throws(() => loadConfig(path), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      for (const field of ['defaults.intervalHours', 'defaults.retentoin: unknown setting', 'alerts.webhooks.0.url', 'daemon.maxParallel']) assert.match(error.message, new RegExp(field.replace(/\./g, '\\.')));
      return true;
    });
    writeFileSync(path, '{ not json');
    assert.throws(() => loadConfig(path), /not valid JSON/);
  });

  it('writes atomically with owner-only permissions, and round-trips', () => {
    const path = join(dir, 'nested', 'config.json');
    const written = updateConfig((c) => ({ ...c, remotes: { offsite: { url: 's3:http://127.0.0.1:8080/bucket' } }, vaultPath: '/srv/vault' }), path);
    assert.deepEqual(loadConfig(path), written);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(configuredVaultRoot({ LIFEBOAT_CONFIG: path }), '/srv/vault');
    assert.throws(() => saveConfig({ ...DEFAULT_CONFIG, daemon: { maxParallel: -3, dashboardPort: 0 } }, path), /maxParallel/);
    assert.match(readFileSync(path, 'utf8'), /offsite/, 'a refused write leaves the old file');
  });
});
