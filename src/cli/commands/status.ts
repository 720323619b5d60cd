/**
 * `lifeboat status`: each device's last successful backup and next planned run — live from the
 * daemon over its control socket when it runs, otherwise computed from the history and the vault.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { configPath, loadConfig } from '../../config/config.js';
import { dataHome, vaultRoot } from '../../config/paths.js';
import { DaemonClient } from '../../daemon/control-client.js';
import { CONTROL_SOCKET_NAME } from '../../daemon/control-protocol.js';
import { offlineStatus } from '../../daemon/offline-status.js';
import type { DeviceStatus } from '../../daemon/types.js';
import { formatTable, printJson, printLine, type GlobalOptions } from '../output.js';

function when(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : 'never';
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("each device's last successful backup and next planned run (from the daemon when it runs)")
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const home = dataHome();
      const client = await DaemonClient.connect(join(home, CONTROL_SOCKET_NAME));
      let devices: DeviceStatus[];
      let daemonRunning = false;
      if (client) {
        try {
          devices = (await client.request<{ devices: DeviceStatus[] }>('status')).devices;
          daemonRunning = true;
        } finally {
          client.close();
        }
      } else {
        const config = loadConfig(configPath());
        devices = offlineStatus({ config, dataHome: home, vaultRoot: config.vaultPath ?? vaultRoot() });
      }
      if (options.json) return printJson({ daemonRunning, devices });
      printLine(daemonRunning ? 'Daemon: running' : 'Daemon: not running — no automatic backups happen until `lifeboat daemon` runs');
      if (devices.length === 0) return printLine('No devices known yet. Connect an iPhone and run `lifeboat backup` or start the daemon.');
      printLine(
        formatTable(
          ['DEVICE', 'NAME', 'CONNECTED', 'LAST BACKUP', 'NEXT', 'STATE'],
          devices.map((d) => [
            d.udid,
            d.name ?? '?',
            d.attached ? (d.connection ?? 'yes') : 'no',
            when(d.lastSuccessAt),
            d.nextRunAt ? when(d.nextRunAt) : '-',
            d.state === 'running' && d.progress?.type === 'progress' ? `running ${Math.round(d.progress.percent ?? 0)}%` : d.waitingFor.length && d.state !== 'idle' ? `${d.state}: ${d.waitingFor.join('; ')}` : d.state,
          ]),
        ),
      );
      for (const d of devices) if (d.lastError) printLine(`\n${d.name ?? d.udid}: last attempt failed: ${d.lastError}`);
    });
}
