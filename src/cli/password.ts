/**
 * Where a backup password comes from: a file (--password-file), the environment (LIFEBOAT_PASSWORD),
 * or a prompt without echo on a terminal — never the command line, where other users of the machine
 * could read it in the process list. Passwords are never printed or logged.
 */
import { readFileSync } from 'node:fs';
import { LifeboatError } from '../util/errors.js';

export class PasswordError extends LifeboatError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'PASSWORD_UNAVAILABLE', ...(hint ? { hint } : {}) });
  }
}

export interface PasswordSource {
  readonly file?: string;
  /** Environment variable to read. */
  readonly env: string;
  readonly prompt: string;
  readonly confirm?: boolean;
}

export async function readPassword(source: PasswordSource): Promise<string> {
  if (source.file) {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (error) {
      throw new PasswordError(`cannot read the password file ${source.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const password = text.replace(/\r?\n$/, '');
    if (password.length === 0) throw new PasswordError(`the password file ${source.file} is empty`);
    return password;
  }
  const fromEnv = process.env[source.env];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new PasswordError('a backup password is needed', `Give it with --password-file FILE or the ${source.env} environment variable.`);
  }
  const password = await promptHidden(source.prompt);
  if (source.confirm && (await promptHidden('Type it again: ')) !== password) throw new PasswordError('the two passwords differ');
  if (password.length === 0) throw new PasswordError('the password is empty');
  return password;
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new PasswordError('cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    const done = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    stdin.on('data', onData);
  });
}
