/**
 * A device key pair and a host's pair record for it, plus a second, unrelated pairing for the same
 * device — what the pairing unit tests check certificates, signatures and TLS against.
 */
import { generatePairingCertificates, type PairingCertificates } from '../../src/protocol/lockdown/pairing/certificates.js';
import { generateDeviceKeyPair, type DeviceKeyPair } from '../../src/protocol/lockdown/pairing/device-keys.js';
import { createPairRecord, type PairRecord } from '../../src/protocol/lockdown/pairing/pair-record.js';

export const TEST_SYSTEM_BUID = '30B8F3A1-0D2C-4F4B-9E07-5C1D2A3B4C5D';

export interface PairingFixture {
  readonly device: DeviceKeyPair;
  readonly record: PairRecord;
  /** Certificates of another host's pairing with the same device (a record that must not be accepted as this one). */
  readonly otherPairing: PairingCertificates;
}

export async function makePairingFixture(options: { wifiMacAddress?: string } = {}): Promise<PairingFixture> {
  const device = await generateDeviceKeyPair();
  const [certs, otherPairing] = await Promise.all([generatePairingCertificates(device.publicKeyPem), generatePairingCertificates(device.publicKeyPem)]);
  const record = createPairRecord(certs, { systemBuid: TEST_SYSTEM_BUID, ...(options.wifiMacAddress ? { wifiMacAddress: options.wifiMacAddress } : {}) });
  return { device, record, otherPairing };
}
