/** `lifeboat info`: lockdown values of a paired iPhone (like ideviceinfo), whole domains or one key. */
import type { Command } from 'commander';
import { openTrustedSession } from '../../protocol/host/session.js';
import type { PlistValue } from '../../plist/index.js';
import { chooseTransport, deviceContext } from '../context.js';
import { printJson, printLine, type GlobalOptions } from '../output.js';

interface InfoOptions extends GlobalOptions {
  readonly udid?: string;
  readonly domain?: string;
  readonly key?: string;
}

/** Plist values as JSON: data as base64, dates as ISO strings, big integers as strings. */
export function plistToJson(value: PlistValue | undefined): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(plistToJson);
  if (typeof value === 'object' && value !== null) {
    if ('value' in value && Object.keys(value).length === 1) return (value as { value: unknown }).value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plistToJson(v as PlistValue)]));
  }
  return value;
}

function printValue(value: PlistValue | undefined, indent = ''): void {
  const json = plistToJson(value);
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    for (const [key, inner] of Object.entries(json as Record<string, unknown>)) {
      if (inner !== null && typeof inner === 'object') {
        printLine(`${indent}${key}:`);
        printLine(`${indent}  ${JSON.stringify(inner)}`);
      } else printLine(`${indent}${key}: ${String(inner)}`);
    }
  } else printLine(`${indent}${typeof json === 'string' ? json : JSON.stringify(json)}`);
}

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('show device values of a paired iPhone (all default values, a domain, or one key)')
    .option('-u, --udid <udid>', 'the iPhone (default: the only one connected)')
    .option('-q, --domain <domain>', 'a value domain, e.g. com.apple.mobile.battery or com.apple.disk_usage')
    .option('-k, --key <key>', 'one key, e.g. ProductVersion')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<InfoOptions>();
      const context = deviceContext();
      const transport = await chooseTransport(context, options.udid);
      const { lockdown } = await openTrustedSession(transport, context.store);
      try {
        const value = await lockdown.getValue(options.domain, options.key);
        if (options.json) printJson(plistToJson(value));
        else printValue(value);
        await lockdown.stopSession().catch(() => undefined);
      } finally {
        lockdown.close();
      }
    });
}
