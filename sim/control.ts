/**
 * The simulator's control channel: private usbmux messages (MessageType "LifeboatSim…") on the same
 * socket, so `lifeboat sim show|set` need nothing but the socket path. A real usbmuxd answers them
 * with BADCOMMAND, which the control client reports as "this is not a Lifeboat virtual iPhone".
 *
 * Requests: LifeboatSimList {}, LifeboatSimShow {UDID}, LifeboatSimSet {UDID, Settings: ["key=value"…]},
 * LifeboatSimMutate {UDID, Mutation: "<JSON of a sim/data Mutation>"}, LifeboatSimTruth {UDID}.
 * Reply: {MessageType: "LifeboatSimReply", Json: "<JSON text>"} or {…, Error: "<message>"}.
 */
import type { PlistDict } from '../src/plist/index.js';
import { describeError } from '../src/util/errors.js';
import type { VirtualIPhone } from './device/virtual-iphone.js';
import { describeState } from './model/state.js';
import type { Simulator } from './simulator.js';
import type { Mutation } from './data/index.js';

export const CONTROL_REPLY = 'LifeboatSimReply';

export interface SimDeviceSummary {
  readonly udid: string;
  readonly deviceName: string;
  readonly productType: string;
  readonly marketingName: string;
  readonly productVersion: string;
  readonly buildVersion: string;
  readonly serialNumber: string;
  readonly wifiAddress: string;
  readonly networkAddress: string;
  readonly attachments: ReadonlyArray<{ deviceId: number; connection: string }>;
  readonly state: Record<string, unknown>;
  readonly pairedHosts: ReadonlyArray<{ hostId: string; pairedAt: string }>;
  readonly postedNotifications: readonly string[];
}

export function summarizePhone(simulator: Simulator, phone: VirtualIPhone): SimDeviceSummary {
  return {
    udid: phone.udid,
    deviceName: phone.identity.deviceName,
    productType: phone.identity.productType,
    marketingName: phone.identity.marketingName,
    productVersion: phone.state.productVersion,
    buildVersion: phone.state.buildVersion,
    serialNumber: phone.identity.serialNumber,
    wifiAddress: phone.identity.wifiAddress,
    networkAddress: simulator.networkAddressOf(phone),
    attachments: simulator.attachmentsOf(phone),
    state: describeState(phone.state),
    pairedHosts: phone.pairedHosts().map((h) => ({ hostId: h.hostId, pairedAt: h.pairedAt })),
    postedNotifications: [...phone.postedNotifications],
  };
}

/** Parses `kind=messages add=3 …` words into a sim/data Mutation (numbers for every key but kind). */
export function parseMutation(words: readonly string[]): Mutation {
  const fields: Record<string, string | number> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new SimControlInputError(`"${word}" is not key=value`);
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (key === 'kind') fields[key] = value;
    else {
      const number = Number(value);
      if (!Number.isFinite(number) || number < 0) throw new SimControlInputError(`${key} must be a non-negative number, not "${value}"`);
      fields[key] = number;
    }
  }
  const kinds = ['messages', 'photos', 'contacts', 'appFiles', 'churn'];
  if (typeof fields['kind'] !== 'string' || !kinds.includes(fields['kind'])) throw new SimControlInputError(`kind must be one of ${kinds.join(', ')}`);
  return fields as unknown as Mutation;
}

export class SimControlInputError extends Error {}

export function handleControl(simulator: Simulator, message: PlistDict): Promise<PlistDict | undefined> | PlistDict | undefined {
  const type = message['MessageType'];
  const reply = (value: unknown): PlistDict => ({ MessageType: CONTROL_REPLY, Json: JSON.stringify(value) });
  const error = (text: string): PlistDict => ({ MessageType: CONTROL_REPLY, Error: text });
  const findPhone = (): VirtualIPhone | string => {
    const udid = message['UDID'];
    if (typeof udid !== 'string') return 'UDID is missing';
    const phone = simulator.phone(udid);
    if (!phone) return `no virtual iPhone with UDID ${udid} (have: ${simulator.phones.map((p) => p.udid).join(', ')})`;
    return phone;
  };
  switch (type) {
    case 'LifeboatSimList':
      return reply({ devices: simulator.phones.map((p) => summarizePhone(simulator, p)) });
    case 'LifeboatSimShow': {
      const phone = findPhone();
      return typeof phone === 'string' ? error(phone) : reply(summarizePhone(simulator, phone));
    }
    case 'LifeboatSimSet': {
      const phone = findPhone();
      if (typeof phone === 'string') return error(phone);
      const settings = message['Settings'];
      if (!Array.isArray(settings) || settings.some((s) => typeof s !== 'string')) return error('Settings must be a list of key=value strings');
      try {
        phone.applySettings(settings as string[]);
      } catch (failure) {
        return error(describeError(failure));
      }
      return reply(summarizePhone(simulator, phone));
    }
    case 'LifeboatSimMutate': {
      const phone = findPhone();
      if (typeof phone === 'string') return error(phone);
      try {
        const mutation = JSON.parse(String(message['Mutation'])) as Mutation;
        return reply(simulator.fileSystem(phone).mutate(mutation));
      } catch (failure) {
        return error(describeError(failure));
      }
    }
    case 'LifeboatSimTruth': {
      const phone = findPhone();
      if (typeof phone === 'string') return error(phone);
      return simulator
        .fileSystem(phone)
        .truth()
        .then(
          (truth) => reply(truth),
          (failure: unknown) => error(describeError(failure)),
        );
    }
    default:
      return undefined;
  }
}
