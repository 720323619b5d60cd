/**
 * `lifeboat wifi on|off|scan`: Wi-Fi sync. `on` (over a paired connection, usually USB) sets the phone's
 * EnableWifiConnections, reads it back, and keeps a copy of the pair record (with the phone's Wi-Fi MAC)
 * in Lifeboat's data folder, so later commands find the phone on the network even when usbmuxd is not
 * running. `off` turns it off and forgets the copy. `scan` lists the phones advertising Wi-Fi sync.
 */
import type { Command } from 'commander';
import { isUnreachable } from '../../protocol/host/pair-record-dir.js';
import { discoverWifiDevices } from '../../protocol/host/wifi-discovery.js';
import { matchAdvertisements, setWifiSync } from '../../protocol/host/wifi-devices.js';
import { chooseTransport, deviceContext } from '../context.js';
import { formatTable, printJson, printLine, type GlobalOptions } from '../output.js';
import { parseSeconds, UsageError } from './parse.js';

interface WifiOptions extends GlobalOptions {
  readonly udid?: string;
  readonly timeout: string;
}

export function registerWifiCommand(program: Command): void {
  program
    .command('wifi')
    .description('Wi-Fi sync: on | off (sets the iPhone\'s setting; run over USB once) | scan (list iPhones advertising it)')
    .argument('<action>', 'on | off | scan')
    .option('-u, --udid <udid>', 'the iPhone (default: the only one connected)')
    .option('--timeout <seconds>', 'scan: how long to listen for answers', '2')
    .action(async (action: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<WifiOptions>();
      const context = deviceContext();
      if (action === 'scan') {
        const interfaceAddress = process.env['LIFEBOAT_MDNS_INTERFACE'];
        const seen = await discoverWifiDevices({ timeoutMs: parseSeconds(options.timeout, '--timeout') * 1000, ...(interfaceAddress ? { interfaceAddress } : {}) });
        const paired = matchAdvertisements(seen, await context.wifiRecords.list());
        const rows = seen.map((ad) => ({ ...ad, udid: paired.find((p) => p.wifiMac === ad.wifiMac)?.udid ?? null }));
        if (options.json) printJson({ devices: rows });
        else if (rows.length === 0) printLine('No iPhone with Wi-Fi sync on answered on this network.');
        else printLine(formatTable(['WI-FI MAC', 'ADDRESSES', 'UDID (paired)'], rows.map((r) => [r.wifiMac, r.addresses.join(' '), r.udid ?? 'not paired with this computer'])));
        return;
      }
      if (action !== 'on' && action !== 'off') throw new UsageError(`wifi takes on, off or scan, not "${action}"`);
      const enable = action === 'on';
      const transport = await chooseTransport(context, options.udid);
      const result = await setWifiSync(transport, context.store, enable);
      if (enable) {
        if (!result.wifiMac) {
          throw new UsageError(`the iPhone ${transport.udid} did not tell its Wi-Fi address, so it cannot be recognised on the network`);
        }
        // Keep the MAC in usbmuxd's record too (libimobiledevice and Lifeboat share it); usbmuxd may be absent on Wi-Fi.
        if (result.recordChanged) {
          await context.store.save(transport.udid, result.record, transport.muxDeviceId).catch((error: unknown) => {
            if (!isUnreachable(error)) throw error;
          });
        }
        await context.wifiRecords.save(transport.udid, result.record);
        context.wifiRecords.saveSystemBuid(result.record.systemBuid);
      } else {
        await context.wifiRecords.delete(transport.udid);
      }
      if (options.json) printJson({ udid: transport.udid, wifiSync: result.enabled, wifiMac: result.wifiMac ?? null, connection: transport.connection });
      else if (enable) printLine(`Wi-Fi sync is on for ${transport.udid} (Wi-Fi address ${result.wifiMac}); Lifeboat will also find it on this network.`);
      else printLine(`Wi-Fi sync is off for ${transport.udid}.`);
    });
}
