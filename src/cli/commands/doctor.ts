/**
 * `lifeboat doctor [--udid U] [--json]`: why backups are (or will stop) happening, from the live device
 * and this computer, each problem with its exact fix. The exit code is the worst finding's
 * (src/cli/exit-codes.ts: 0 ok/info, 10 warning, 11 critical).
 */
import type { Command } from 'commander';
import { configPath, loadConfig } from '../../config/config.js';
import { diagnose, worstSeverity, type Finding, type Severity } from '../../daemon/doctor/index.js';
import { LifeboatError } from '../../util/errors.js';
import { printJson, printLine, type GlobalOptions } from '../output.js';
import { parseSeconds } from './parse.js';

interface DoctorOptions extends GlobalOptions {
  readonly udid?: string;
  readonly pair: boolean;
  readonly timeout: string;
}

const MARK: Record<Severity, string> = { critical: '✗ critical', warning: '! warning ', info: 'i info    ', ok: '✓ ok      ' };

function render(findings: readonly Finding[]): void {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) groups.set(finding.udid ?? '', [...(groups.get(finding.udid ?? '') ?? []), finding]);
  for (const [udid, list] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    printLine(udid === '' ? 'This computer' : `iPhone ${udid}`);
    for (const finding of list) {
      printLine(`  ${MARK[finding.severity]}  ${finding.title}`);
      if (finding.severity === 'ok') continue;
      printLine(`      ${finding.explanation}`);
      if (finding.fix) printLine(`      → ${finding.fix}`);
    }
    printLine();
  }
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('explain why backups are not happening (or will stop): trust, lock, power, Wi-Fi, storage, iOS, encryption, disk space, last backup — each with its fix')
    .option('-u, --udid <udid>', 'only this iPhone (default: every connected iPhone and every one in the vault)')
    .option('--no-pair', 'do not ask an unpaired iPhone to trust this computer (by default doctor asks once, so it can tell "waiting for Trust" from "Don\'t Trust")')
    .option('--timeout <seconds>', 'how long each iPhone may take to answer before that is reported', '20')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<DoctorOptions>();
      const timeoutMs = parseSeconds(options.timeout, '--timeout') * 1000;
      const path = configPath();
      const findings = await diagnose({
        config: loadConfig(path),
        configPath: path,
        ...(options.udid ? { udid: options.udid } : {}),
        attemptPairing: options.pair,
        probeTimeoutMs: Math.max(1000, timeoutMs),
      });
      const worst = worstSeverity(findings);
      if (options.json) printJson({ worst, findings });
      else render(findings);
      if (worst === 'warning' || worst === 'critical') {
        const count = findings.filter((f) => f.severity === worst).length;
        throw new LifeboatError(`doctor found ${count} ${worst === 'critical' ? 'critical problem' : 'warning'}${count === 1 ? '' : 's'}`, {
          code: worst === 'critical' ? 'DOCTOR_CRITICAL' : 'DOCTOR_WARNING',
          hint: options.json ? 'See "findings".' : 'Each one is listed above with its fix.',
        });
      }
    });
}
