/**
 * Real receivers for the daemon's alerts, on 127.0.0.1: an HTTP server that records webhook POSTs
 * (node:http) and an SMTP server that requires a login and parses every mail it accepts (smtp-server
 * + mailparser), so tests check what a person's phone or inbox would really get.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface WebhookSink {
  readonly url: string;
  readonly bodies: Array<Record<string, unknown>>;
  readonly requests: Array<{ method: string; path: string; contentType: string | undefined }>;
  close(): Promise<void>;
}

export async function startWebhookSink(path = '/lifeboat-alerts'): Promise<WebhookSink> {
  const bodies: Array<Record<string, unknown>> = [];
  const requests: WebhookSink['requests'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', contentType: request.headers['content-type'] });
      try {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        response.writeHead(400).end('not JSON');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    bodies,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SmtpSink {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly mails: ParsedMail[];
  /** Logins refused (a wrong password from the daemon would show here). */
  readonly refusedLogins: number;
  close(): Promise<void>;
}

export async function startSmtpSink(user = 'lifeboat', password = 'smtp-secret-123'): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  let refused = 0;
  const server = new SMTPServer({
    // Plain SMTP on loopback: no certificate to set up; AUTH is still required.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user });
      else {
        refused++;
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          callback();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    user,
    password,
    mails,
    get refusedLogins() {
      return refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
