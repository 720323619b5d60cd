/**
 * Where usbmuxd listens. Same rules as libusbmuxd so that Lifeboat and libimobiledevice tools always
 * talk to the same daemon: `USBMUXD_SOCKET_ADDRESS=UNIX:/path` or `host:port` (the port after the last
 * colon, IPv6 hosts in brackets); otherwise `/var/run/usbmuxd`, or TCP 127.0.0.1:27015 on Windows
 * (Apple Mobile Device Service).
 */
import { ProtocolError } from '../errors.js';

export type MuxAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export const DEFAULT_UNIX_SOCKET = '/var/run/usbmuxd';
export const DEFAULT_WINDOWS_ADDRESS: MuxAddress = { kind: 'tcp', host: '127.0.0.1', port: 27015 };

export function parseMuxAddress(text: string): MuxAddress {
  if (text.startsWith('UNIX:')) {
    const path = text.slice(5);
    if (path === '') throw new ProtocolError('USBMUXD_SOCKET_ADDRESS: "UNIX:" needs a socket path after it', { code: 'CONFIG_BAD_ADDRESS' });
    return { kind: 'unix', path };
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0) {
    throw new ProtocolError(`USBMUXD_SOCKET_ADDRESS "${text}" is neither UNIX:/path nor host:port`, { code: 'CONFIG_BAD_ADDRESS' });
  }
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new ProtocolError(`USBMUXD_SOCKET_ADDRESS "${text}": port must be 1..65535`, { code: 'CONFIG_BAD_ADDRESS' });
  }
  let host = text.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { kind: 'tcp', host, port };
}

export function defaultMuxAddress(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): MuxAddress {
  const fromEnv = env['USBMUXD_SOCKET_ADDRESS'];
  if (fromEnv !== undefined && fromEnv !== '') return parseMuxAddress(fromEnv);
  return platform === 'win32' ? DEFAULT_WINDOWS_ADDRESS : { kind: 'unix', path: DEFAULT_UNIX_SOCKET };
}

export function formatMuxAddress(address: MuxAddress): string {
  return address.kind === 'unix' ? `UNIX:${address.path}` : `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}
