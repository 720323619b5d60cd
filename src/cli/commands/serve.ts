/**
 * `lifeboat serve`: the web dashboard on its own (no daemon: "Back Up Now" runs the backup engine in
 * this process). Listens on 127.0.0.1 only; prints the URL with its token and opens it unless
 * --no-open. Runs until Ctrl-C, which cancels a running backup cleanly (the vault stays intact).
 */
import type { Command } from 'commander';
import { loadConfig, configPath } from '../../config/config.js';
import { openInBrowser } from '../../web/open-browser.js';
import { startDashboard } from '../../web/server.js';
import { printJson, printLine, type GlobalOptions } from '../output.js';
import { parseWholeNumber } from './parse.js';

interface ServeOptions extends GlobalOptions {
  readonly port?: string;
  readonly open: boolean;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the web dashboard on 127.0.0.1 (devices, Back Up Now, snapshots, what a backup holds, settings)')
    .option('-p, --port <port>', 'port to listen on (default: the config\'s dashboardPort, else any free port)')
    .option('--no-open', 'do not open a browser; only print the URL')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ServeOptions>();
      const port = options.port !== undefined ? parseWholeNumber(options.port, '--port', 0, 65535) : loadConfig(configPath()).daemon.dashboardPort;
      const dashboard = await startDashboard({ port });
      if (options.json) printJson({ url: dashboard.url, port: dashboard.port });
      else {
        printLine(`Lifeboat dashboard: ${dashboard.url}`);
        printLine('  (the link holds a key to this dashboard: do not share it; Ctrl-C stops the dashboard)');
      }
      if (options.open && !(await openInBrowser(dashboard.url)) && !options.json) printLine('  (no browser could be opened here: open the link yourself)');
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await dashboard.close();
    });
}
