/** The dashboard's pure checks: cookies, same origin, and the colour of a device's last backup. */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { credentialOf, hostAllowed, readCookie, sameOrigin, sameSecret } from './auth.js';
import { backupHealth } from './health.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

describe('dashboard auth', () => {
  it('reads the token from the Authorization header or its own cookie only', () => {
    assert.equal(credentialOf(req({ authorization: 'Bearer s3cret' }), 's3cret', 8080), 'bearer');
    assert.equal(credentialOf(req({ cookie: 'a=b; lifeboat_token_8080=s3cret' }), 's3cret', 8080), 'cookie');
    assert.equal(credentialOf(req({ cookie: 'lifeboat_token_9090=s3cret' }), 's3cret', 8080), undefined, 'another dashboard\'s cookie');
    assert.equal(credentialOf(req({ authorization: 'Bearer s3cre' }), 's3cret', 8080), undefined);
    assert.equal(credentialOf(req({}), 's3cret', 8080), undefined);
    assert.equal(readCookie(' x = 1 ;y=2', 'x'), '1');
    assert.equal(sameSecret('abc', 'abcd'), false);
  });

  it('accepts changes only from this origin, or from a client holding the token in a header', () => {
    assert.equal(sameOrigin(req({ origin: 'http://127.0.0.1:8080' }), 8080, 'cookie'), true);
    assert.equal(sameOrigin(req({ origin: 'http://localhost:8080', 'sec-fetch-site': 'same-origin' }), 8080, 'cookie'), true);
    assert.equal(sameOrigin(req({ origin: 'http://127.0.0.1:8081' }), 8080, 'cookie'), false);
    assert.equal(sameOrigin(req({ origin: 'https://127.0.0.1:8080' }), 8080, 'cookie'), false);
    assert.equal(sameOrigin(req({ origin: 'null' }), 8080, 'cookie'), false);
    assert.equal(sameOrigin(req({ 'sec-fetch-site': 'same-site' }), 8080, 'cookie'), false);
    assert.equal(sameOrigin(req({}), 8080, 'cookie'), false);
    assert.equal(sameOrigin(req({}), 8080, 'bearer'), true);
    assert.equal(hostAllowed(req({ host: '127.0.0.1:8080' }), 8080), true);
    assert.equal(hostAllowed(req({ host: 'rebind.example:8080' }), 8080), false);
    assert.equal(hostAllowed(req({}), 8080), false);
  });
});

describe('backup health', () => {
  const policy = { intervalHours: 24, staleAfterHours: 72 };
  const now = new Date('2026-11-25T12:00:00Z');
  const hoursAgo = (h: number): string => new Date(now.getTime() - h * 3_600_000).toISOString();
  it('is green within the plan, amber when overdue, red when stale or never', () => {
    assert.equal(backupHealth(undefined, policy, now), 'red');
    assert.equal(backupHealth(hoursAgo(2), policy, now), 'green');
    assert.equal(backupHealth(hoursAgo(24.5), policy, now), 'green', 'an hour of grace for the run itself');
    assert.equal(backupHealth(hoursAgo(30), policy, now), 'amber');
    assert.equal(backupHealth(hoursAgo(73), policy, now), 'red');
    assert.equal(backupHealth('not a date', policy, now), 'red');
  });
});
