/**
 * `lifeboat daemon`: the daemon in the foreground, for a systemd user service or a launchd agent
 * (contrib/). Logs one line per event on stderr (JSON lines with --json). SIGTERM and SIGINT stop it
 * cleanly: a running backup is abandoned (its staging folder removed; the previous snapshot is never
 * touched) and recorded as interrupted. SIGHUP re-reads the config.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { configPath, loadConfig } from '../../config/config.js';
import { dataHome } from '../../config/paths.js';
import { CONTROL_SOCKET_NAME } from '../../daemon/control-protocol.js';
import { systemClock } from '../../daemon/clock.js';
import { Daemon } from '../../daemon/daemon.js';
import { daemonDeviceSources } from '../../daemon/wifi-source.js';
import { hostDevices } from '../../protocol/host/host-devices.js';
import { describeError } from '../../util/errors.js';
import { writeDashboardLink } from '../../web/link-file.js';
import { startDashboard } from '../../web/server.js';
import type { GlobalOptions } from '../output.js';

export function registerDaemonCommand(program: Command): void {
  program
    .command('daemon')
    .description('run the backup daemon in the foreground: watches devices, backs up when the policy holds, alerts on problems')
    .option('--no-dashboard', 'do not start the web dashboard on 127.0.0.1')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { dashboard: boolean }>();
      const log = (message: string): void => {
        const at = new Date().toISOString();
        process.stderr.write(options.json ? `${JSON.stringify({ at, message })}\n` : `${at} ${message}\n`);
      };
      const file = configPath();
      let config = loadConfig(file);
      const home = dataHome();
      // Phones on a cable (usbmuxd) and, with Wi-Fi sync set up, on the network (mDNS + TCP), with the
      // pair records of both (usbmuxd's, then Lifeboat's Wi-Fi copies when usbmuxd is not running).
      const host = hostDevices();
      const daemon = new Daemon({
        config: () => config,
        dataHome: home,
        controlSocket: join(home, CONTROL_SOCKET_NAME),
        log,
        clock: systemClock,
        mux: host.mux,
        pairs: host.store,
        sources: daemonDeviceSources(host, systemClock),
      });
      await daemon.start();
      log(`lifeboat daemon started: vault ${daemon.vaultRoot()}, history ${join(home, 'history.db')}, control socket ${join(home, CONTROL_SOCKET_NAME)}`);
      // The web dashboard, in this process with this Daemon. Its link holds its key: logs get the file's path only.
      const dashboard = options.dashboard ? await startDashboard({ daemon, port: config.daemon.dashboardPort, onConfigSaved: (saved) => (config = saved) }) : undefined;
      if (dashboard) {
        log(`dashboard on ${dashboard.origin}/ — its link (with the key) is in ${writeDashboardLink(home, dashboard.url)}`);
        if (process.stderr.isTTY) process.stderr.write(`Dashboard: ${dashboard.url}\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          log(`${signal}: stopping (a running backup is abandoned; the previous snapshot stays intact)`);
          Promise.resolve(dashboard?.close())
            .catch(() => undefined)
            .then(() => daemon.stop())
            .then(resolve, (error: unknown) => {
              log(`stop: ${describeError(error)}`);
              resolve();
            });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
        process.on('SIGHUP', () => {
          try {
            config = loadConfig(file);
            log(`SIGHUP: config ${file} re-read`);
          } catch (error) {
            log(`SIGHUP: keeping the previous config: ${describeError(error)}`);
          }
        });
      });
      log('lifeboat daemon stopped');
    });
}
