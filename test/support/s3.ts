/**
 * A real S3-compatible server for a test: OpenStack Swift with its s3api, started by s3-server.sh on
 * free loopback ports in a fresh temp folder, and stopped (exactly its own processes) afterwards.
 * restic needs its HTTPS endpoint; the self-signed certificate reaches restic through SSL_CERT_FILE in
 * the remote's env file, as a user with a private CA would do it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { requireTool } from './require-tool.js';

const SCRIPT = join(process.cwd(), 'test', 'support', 's3-server.sh');
/** What the server needs: Swift's servers (Debian swift-*), openssl for the certificate, python3. */
export const S3_TOOLS = ['swift-proxy-server', 'swift-object-server', 'swift-container-server', 'swift-account-server', 'openssl', 'python3'];

export interface S3Server {
  /** https://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly caCert: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly dir: string;
  /** `s3:https://127.0.0.1:<port>/<bucket>` for restic. */
  repository(bucket: string): string;
  /** An env file with the credentials and the CA, for `lifeboat remote add --env-file`. */
  writeEnvFile(path: string): void;
  stop(): Promise<void>;
}

/** True when everything the server needs is installed; otherwise skips `t` (fails it under CI=true). */
export function requireS3(t: TestContext): boolean {
  return S3_TOOLS.every((tool) => requireTool(t, tool));
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose next five are free too (proxy, object, container, account, memcached, TLS proxy). */
async function freePortRange(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 4_000) * 10;
    let free = true;
    for (let i = 0; i < 6 && free; i++) free = await portFree(base + i);
    if (free) return base;
  }
  throw new Error('no six consecutive free loopback ports');
}

function sh(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], { env, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`s3-server.sh ${args[0]} failed: ${error.message}\n${String(stderr)}`));
      else resolve(String(stdout).trim());
    });
  });
}

export async function startS3Server(): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-s3-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const base = await freePortRange();
    try {
      await sh(['start'], { ...process.env, S3_DIR: dir, S3_PORT: String(base), S3_TLS_PORT: String(base + 5) }, 120_000);
      const endpoint = `https://127.0.0.1:${base + 5}`;
      const caCert = join(dir, 'etc', 'tls.crt');
      return {
        endpoint,
        caCert,
        accessKey: 'test:tester',
        secretKey: 'testing',
        dir,
        repository: (bucket) => `s3:${endpoint}/${bucket}`,
        writeEnvFile(path) {
          writeFileSync(path, `# S3 credentials for restic\nAWS_ACCESS_KEY_ID=test:tester\nAWS_SECRET_ACCESS_KEY=testing\nSSL_CERT_FILE=${caCert}\n`, { mode: 0o600 });
        },
        async stop() {
          await sh(['stop', dir], process.env, 30_000);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      // A port taken between the probe and the start: stop what started and try other ports.
      lastError = error;
      await sh(['stop', dir], process.env, 30_000).catch(() => undefined);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
