/**
 * diagnose(): every finding for the host and each device — the connected ones and the ones the vault
 * knows — with each device examined in parallel and bounded in time. Devices that are known but not
 * connected still get the checks that need only this computer (age of the last backup, disk space,
 * password), so a phone that silently stopped coming home is reported, not skipped.
 */
import { configPath as defaultConfigPath } from '../../config/config.js';
import { vaultRoot as defaultVaultRoot } from '../../config/paths.js';
import { resolvePolicy } from '../../config/schema.js';
import { UsbmuxPairRecordStore } from '../../protocol/host/pair-store.js';
import { normalizeUdid } from '../../protocol/host/select-device.js';
import { defaultMuxAddress } from '../../protocol/usbmux/address.js';
import { UsbmuxClient } from '../../protocol/usbmux/client.js';
import type { MuxDevice } from '../../protocol/usbmux/messages.js';
import { describeError } from '../../util/errors.js';
import { deviceFindings, hostFindings, type CheckContext } from './checks.js';
import * as F from './findings.js';
import { defaultPasswordFile, findBackupPassword } from './password-source.js';
import { probeDevice, type DeviceFacts } from './probe-device.js';
import { checkPassword, probeHost, vaultDevices } from './probe-host.js';
import { sortFindings, type DiagnoseOptions, type Finding } from './types.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 20_000;

export async function diagnose(options: DiagnoseOptions): Promise<Finding[]> {
  const env = options.env ?? process.env;
  const now = (options.now ?? (() => new Date()))();
  const findings: Finding[] = [];
  const vault = options.config.vaultPath ?? defaultVaultRoot(env);
  const configFile = options.configPath ?? defaultConfigPath(env);
  const passwordFile = defaultPasswordFile(configFile);
  const password = findBackupPassword(env, configFile);

  let mux: UsbmuxClient | undefined;
  let attached: MuxDevice[] = [];
  try {
    mux = options.mux ?? new UsbmuxClient(defaultMuxAddress(env));
    attached = await mux.listDevices();
  } catch (error) {
    findings.push(F.usbmuxdUnreachable(mux?.describe() ?? String(env['USBMUXD_SOCKET_ADDRESS'] ?? 'its default address'), describeError(error)));
    mux = undefined;
  }
  options.signal?.throwIfAborted();

  const groups = new Map<string, MuxDevice[]>();
  for (const device of attached) {
    const key = normalizeUdid(device.udid);
    groups.set(key, [...(groups.get(key) ?? []), device]);
  }
  const known = new Map<string, string>();
  for (const name of vaultDevices(vault)) known.set(normalizeUdid(name), name);
  for (const group of groups.values()) known.set(normalizeUdid(group[0]!.udid), group[0]!.udid);

  const wanted = options.udid === undefined ? [...known.keys()] : [normalizeUdid(options.udid)];
  if (wanted.length === 0) {
    if (mux) findings.push(F.noDevice());
    return sortFindings(findings);
  }

  const store = mux ? new UsbmuxPairRecordStore(mux) : undefined;
  const perDevice = await Promise.all(
    wanted.map(async (key) => {
      const udid = known.get(key) ?? options.udid ?? key;
      const appearances = groups.get(key);
      const facts: DeviceFacts | undefined =
        appearances && mux && store
          ? await probeDevice(mux, store, appearances, {
              timeoutMs: options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
              attemptPairing: options.attemptPairing ?? false,
              ...(options.signal ? { signal: options.signal } : {}),
            })
          : undefined;
      const host = probeHost(vault, udid);
      const context: CheckContext = { udid, policy: resolvePolicy(options.config, udid), now, passwordFile };
      const out: Finding[] = [];
      if (!appearances) {
        if (mux) out.push(F.notConnected(udid, undefined));
      } else if (facts) {
        out.push(...deviceFindings(facts, host, context));
      }
      const examined = facts !== undefined && facts.failure === undefined && facts.trust?.state === 'trusted';
      const passwordCheck = await checkPassword(vault, udid, examined ? facts.willEncrypt === true : false, password);
      out.push(...hostFindings(host, examined ? facts.storage?.usedBytes : undefined, passwordCheck, context));
      return out;
    }),
  );
  options.signal?.throwIfAborted();
  for (const list of perDevice) findings.push(...list);
  return sortFindings(findings);
}
