/** `lifeboat devices`: every reachable iPhone (USB, usbmuxd network, Wi-Fi) with model, iOS, trust, battery, storage, encryption. */
import type { Command } from 'commander';
import { listDeviceSummaries, type DeviceSummary } from '../../protocol/host/inventory.js';
import { deviceContext } from '../context.js';
import { formatBytes, formatTable, printJson, printLine, type GlobalOptions } from '../output.js';

function describeTrust(summary: DeviceSummary): string {
  switch (summary.trust) {
    case 'trusted':
      return 'trusted';
    case 'not-paired':
      return 'not paired';
    case 'pairing-invalid':
      return 'pairing invalid';
    default:
      return 'unknown';
  }
}

export function registerDevicesCommand(program: Command): void {
  program
    .command('devices')
    .description('list connected iPhones (USB, network and Wi-Fi) with model, iOS, trust, battery, storage and encryption')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const context = deviceContext();
      // Connections: "USB" and "Network" as usbmuxd names them, "wifi" for phones reached directly.
      const summaries = await listDeviceSummaries(context.mux, context.store, context.wifi ? { wifi: context.wifi } : {});
      if (options.json) {
        printJson({ devices: summaries });
        return;
      }
      if (summaries.length === 0) {
        printLine('No iPhone is connected. Connect one with a cable and unlock it.');
        return;
      }
      const rows = summaries.map((s) => [
        s.udid,
        s.connections.join('+'),
        s.name ?? '?',
        s.model ?? '?',
        s.productVersion ?? '?',
        describeTrust(s),
        s.battery ? `${s.battery.percent}%${s.battery.charging ? ' charging' : ''}` : '-',
        s.storage ? `${formatBytes(s.storage.freeBytes)} free of ${formatBytes(s.storage.totalBytes)}` : '-',
        s.backupEncryption === undefined ? '-' : s.backupEncryption ? 'on' : 'off',
      ]);
      printLine(formatTable(['UDID', 'CONNECTION', 'NAME', 'MODEL', 'iOS', 'TRUST', 'BATTERY', 'STORAGE', 'ENCRYPTION'], rows));
      for (const s of summaries) {
        if (s.problem) printLine(`\n${s.name ?? s.udid}: ${s.problem}${s.hint ? `\n  → ${s.hint}` : ''}`);
      }
    });
}
