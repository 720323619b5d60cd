/**
 * diagnose(): every finding for the host and each device — the connected ones (by cable, or found on
 * Wi-Fi by mDNS), the ones the vault knows and the ones Lifeboat holds a Wi-Fi pairing for — with
 * each device examined in parallel (over usbmuxd, else directly over TCP) and bounded in time. Devices that are known but not
 * connected still get the checks that need only this computer (age of the last backup, disk space,
 * password), so a phone that silently stopped coming home is reported, not skipped.
 */
import { configPath as defaultConfigPath } from '../../config/config.js';
import { vaultRoot as defaultVaultRoot } from '../../config/paths.js';
import { resolvePolicy } from '../../config/schema.js';
import { hostDevices } from '../../protocol/host/host-devices.js';
import { isUnreachable, LayeredPairRecordStore } from '../../protocol/host/pair-record-dir.js';
import { UsbmuxPairRecordStore } from '../../protocol/host/pair-store.js';
import { normalizeUdid } from '../../protocol/host/select-device.js';
import { WIFI_CONNECT_TIMEOUT_MS, WIFI_CONNECTION } from '../../protocol/host/tcp-transport.js';
import type { MuxDevice } from '../../protocol/usbmux/messages.js';
import { describeError } from '../../util/errors.js';
import { deviceFindings, hostFindings, type CheckContext } from './checks.js';
import * as F from './findings.js';
import { defaultPasswordFile, findBackupPassword } from './password-source.js';
import { muxTransportFor, probeDevice, type DeviceFacts } from './probe-device.js';
import { networkFactFor, scanNetwork } from './probe-network.js';
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
  const timeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;

  const host = hostDevices(env);
  const mux = options.mux ?? host.mux;
  // The network is browsed while usbmuxd is asked: both take a moment, neither depends on the other.
  const scanning = scanNetwork(host, env, options.udid);
  let attached: MuxDevice[] = [];
  let muxReachable = true;
  try {
    attached = await mux.listDevices();
  } catch (error) {
    muxReachable = false;
    const wifiOnly = host.wifi !== undefined && isUnreachable(error);
    findings.push(F.usbmuxdUnreachable(mux.describe(), describeError(error), process.platform, wifiOnly));
  }
  const scan = await scanning;
  options.signal?.throwIfAborted();

  const groups = new Map<string, MuxDevice[]>();
  for (const device of attached) {
    const key = normalizeUdid(device.udid);
    groups.set(key, [...(groups.get(key) ?? []), device]);
  }
  const known = new Map<string, string>();
  for (const name of vaultDevices(vault)) known.set(normalizeUdid(name), name);
  for (const udid of scan.recordUdids) known.set(normalizeUdid(udid), udid);
  for (const device of scan.found.values()) known.set(normalizeUdid(device.udid), device.udid);
  for (const group of groups.values()) known.set(normalizeUdid(group[0]!.udid), group[0]!.udid);

  const wanted = options.udid === undefined ? [...known.keys()] : [normalizeUdid(options.udid)];
  const canSee = muxReachable || scan.discovery === 'ran';
  if (wanted.length === 0) {
    if (canSee) findings.push(F.noDevice());
    return sortFindings(findings);
  }

  const store = new LayeredPairRecordStore(new UsbmuxPairRecordStore(mux), host.wifiRecords);
  const probe = { timeoutMs, attemptPairing: options.attemptPairing ?? false, ...(options.signal ? { signal: options.signal } : {}) };
  const perDevice = await Promise.all(
    wanted.map(async (key) => {
      const udid = known.get(key) ?? options.udid ?? key;
      const appearances = groups.get(key) ?? [];
      const network = await networkFactFor(scan, udid, appearances.some((d) => d.connectionType === 'Network'), Math.min(WIFI_CONNECT_TIMEOUT_MS, timeoutMs));
      const connections = [...appearances.map((d) => d.connectionType), ...(network.transport ? [WIFI_CONNECTION] : [])];
      // Over usbmuxd when it has the phone (USB first), otherwise directly over Wi-Fi.
      const transport = appearances.length > 0 ? muxTransportFor(mux, appearances) : network.transport;
      const facts: DeviceFacts | undefined = transport ? await probeDevice(transport, store, connections, probe) : undefined;
      const hostFacts = probeHost(vault, udid);
      const context: CheckContext = { udid, policy: resolvePolicy(options.config, udid), now, passwordFile };
      const out: Finding[] = [];
      if (facts) out.push(...deviceFindings(facts, hostFacts, context, network.fact));
      else if (network.fact.advertised) out.push(F.notSameNetwork(udid, network.fact.advertised, network.fact.unreachable));
      else if (canSee) out.push(F.notConnected(udid, undefined, network.fact.hasWifiRecord && scan.discovery === 'ran'));
      const examined = facts !== undefined && facts.failure === undefined && facts.trust?.state === 'trusted';
      const passwordCheck = await checkPassword(vault, udid, examined ? facts.willEncrypt === true : false, password);
      out.push(...hostFindings(hostFacts, examined ? facts.storage?.usedBytes : undefined, passwordCheck, context));
      return out;
    }),
  );
  options.signal?.throwIfAborted();
  for (const list of perDevice) findings.push(...list);
  return sortFindings(findings);
}
