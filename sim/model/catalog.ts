/**
 * Real iPhone models the virtual iPhone can be.
 *
 * Nouns: *ProductType* is Apple's model identifier ("iPhone15,2"); *HardwareModel* is the board name
 * lockdown reports ("D73AP"); *BoardId* and *ChipID* are the board/SoC ids of the boot chain
 * (ChipID 0x8120 = A16); *HardwarePlatform* is "t" + the chip id in hex ("t8120"). Phones with a chip of
 * 0x8020 (A12) or later use the modern UDID "<chip id, 8 hex>-<ECID, 16 hex>"; older ones a 40-hex
 * SHA-1. *BasebandCertId* (tsschecker's "bbgcid") and the baseband serial's size depend on the modem.
 * Sources: libimobiledevice/libirecovery src/libirecovery.c (ProductType, board, BoardId, ChipID, name);
 * littlebyteorg/appledb deviceFiles (board, SoC, storage, release date) and osFiles (which models each
 * release shipped to, per-model BasebandVersion); 1Conan/tsschecker (BasebandCertId, serial size);
 * macadmins/sofa (iOS 26 supported devices: no XS/XR). A model's OS range is kept as majors
 * (`firstMajor`..`lastMajor`) because the exact factory point release is not verified for every model.
 */
import { compareVersions, findRelease, majorOf, releaseAppliesTo } from './ios-versions.js';

export type SerialStyle = 'legacy12' | 'random10';

export interface IPhoneModel {
  readonly productType: string;
  readonly marketingName: string;
  readonly hardwareModel: string;
  readonly boardId: number;
  readonly chipId: number;
  readonly chipName: string;
  readonly cpuArchitecture: 'arm64' | 'arm64e';
  /** USB idProduct of the phone's normal (usbmux) configuration; 0x12a8 for every iPhone since 2012. */
  readonly usbProductId: number;
  readonly storageGb: readonly number[];
  readonly released: string;
  readonly firstMajor: number;
  /** Last iOS major the model can run; null while it still gets the newest one. */
  readonly lastMajor: number | null;
  readonly basebandCertId: number;
  readonly basebandSerialBytes: number;
  /** BasebandChipID where a real dump showed it (XR: 94, iPhone 13: 1327329). */
  readonly basebandChipId?: number;
  /** BasebandVersion observed per iOS major (appledb: 16.7.8, 17.5, 18.6). */
  readonly basebandByMajor: Readonly<Record<number, string>>;
  /** Serials were 12 characters until Apple switched to random 10-character serials in 2021. */
  readonly serialStyle: SerialStyle;
}

/** Apple's USB vendor id; usbmuxd claims its product ids 0x1290–0x12af. */
export const APPLE_USB_VENDOR_ID = 0x05ac;
export const IPHONE_USB_PRODUCT_ID = 0x12a8;
/** The first chip with the modern "XXXXXXXX-XXXXXXXXXXXXXXXX" UDID (A12). */
export const MODERN_UDID_MIN_CHIP = 0x8020;

const bb17_18 = (ios17: string, ios18: string): Record<number, string> => ({ 17: ios17, 18: ios18 });

export const IPHONE_MODELS: readonly IPhoneModel[] = [
  {
    productType: 'iPhone10,3', marketingName: 'iPhone X', hardwareModel: 'D22AP', boardId: 0x06, chipId: 0x8015,
    chipName: 'A11 Bionic', cpuArchitecture: 'arm64', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [64, 256],
    released: '2017-11-03', firstMajor: 11, lastMajor: 16, basebandCertId: 2315222105, basebandSerialBytes: 4,
    basebandByMajor: { 16: '8.50.04' }, serialStyle: 'legacy12',
  },
  {
    productType: 'iPhone11,2', marketingName: 'iPhone XS', hardwareModel: 'D321AP', boardId: 0x0e, chipId: 0x8020,
    chipName: 'A12 Bionic', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [64, 256, 512],
    released: '2018-09-21', firstMajor: 12, lastMajor: 18, basebandCertId: 165673526, basebandSerialBytes: 12,
    basebandByMajor: bb17_18('6.00.00', '7.03.01'), serialStyle: 'legacy12',
  },
  {
    productType: 'iPhone11,8', marketingName: 'iPhone XR', hardwareModel: 'N841AP', boardId: 0x0c, chipId: 0x8020,
    chipName: 'A12 Bionic', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [64, 128, 256],
    released: '2018-10-26', firstMajor: 12, lastMajor: 18, basebandCertId: 165673526, basebandSerialBytes: 12,
    basebandChipId: 94, basebandByMajor: bb17_18('6.00.00', '7.03.01'), serialStyle: 'legacy12',
  },
  {
    productType: 'iPhone12,1', marketingName: 'iPhone 11', hardwareModel: 'N104AP', boardId: 0x04, chipId: 0x8030,
    chipName: 'A13 Bionic', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [64, 128, 256],
    released: '2019-09-20', firstMajor: 13, lastMajor: null, basebandCertId: 524245983, basebandSerialBytes: 12,
    basebandByMajor: bb17_18('5.00.00', '6.03.01'), serialStyle: 'legacy12',
  },
  {
    productType: 'iPhone13,2', marketingName: 'iPhone 12', hardwareModel: 'D53gAP', boardId: 0x0c, chipId: 0x8101,
    chipName: 'A14 Bionic', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [64, 128, 256],
    released: '2020-10-23', firstMajor: 14, lastMajor: null, basebandCertId: 3095201109, basebandSerialBytes: 4,
    basebandByMajor: bb17_18('4.50.06', '5.70.01'), serialStyle: 'legacy12',
  },
  {
    productType: 'iPhone14,5', marketingName: 'iPhone 13', hardwareModel: 'D17AP', boardId: 0x0a, chipId: 0x8110,
    chipName: 'A15 Bionic', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [128, 256, 512],
    released: '2021-09-24', firstMajor: 15, lastMajor: null, basebandCertId: 495958265, basebandSerialBytes: 4,
    basebandChipId: 1327329, basebandByMajor: bb17_18('3.50.04', '4.70.01'), serialStyle: 'random10',
  },
  {
    productType: 'iPhone14,7', marketingName: 'iPhone 14', hardwareModel: 'D27AP', boardId: 0x18, chipId: 0x8110,
    chipName: 'A15 Bionic', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [128, 256, 512],
    released: '2022-09-16', firstMajor: 16, lastMajor: null, basebandCertId: 3559316616, basebandSerialBytes: 4,
    basebandByMajor: bb17_18('2.60.02', '3.70.02'), serialStyle: 'random10',
  },
  {
    productType: 'iPhone15,2', marketingName: 'iPhone 14 Pro', hardwareModel: 'D73AP', boardId: 0x0c, chipId: 0x8120,
    chipName: 'A16 Bionic', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [128, 256, 512, 1024],
    released: '2022-09-16', firstMajor: 16, lastMajor: null, basebandCertId: 3559316616, basebandSerialBytes: 4,
    basebandByMajor: bb17_18('2.60.02', '3.70.02'), serialStyle: 'random10',
  },
  {
    productType: 'iPhone15,4', marketingName: 'iPhone 15', hardwareModel: 'D37AP', boardId: 0x08, chipId: 0x8120,
    chipName: 'A16 Bionic', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [128, 256, 512],
    released: '2023-09-22', firstMajor: 17, lastMajor: null, basebandCertId: 3452763205, basebandSerialBytes: 4,
    basebandByMajor: bb17_18('1.60.02', '2.70.02'), serialStyle: 'random10',
  },
  {
    productType: 'iPhone16,1', marketingName: 'iPhone 15 Pro', hardwareModel: 'D83AP', boardId: 0x04, chipId: 0x8130,
    chipName: 'A17 Pro', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [128, 256, 512, 1024],
    released: '2023-09-22', firstMajor: 17, lastMajor: null, basebandCertId: 3452763205, basebandSerialBytes: 4,
    basebandByMajor: bb17_18('1.60.02', '2.70.02'), serialStyle: 'random10',
  },
  {
    productType: 'iPhone17,3', marketingName: 'iPhone 16', hardwareModel: 'D47AP', boardId: 0x08, chipId: 0x8140,
    chipName: 'A18', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [128, 256, 512],
    released: '2024-09-20', firstMajor: 18, lastMajor: null, basebandCertId: 1652214800, basebandSerialBytes: 4,
    basebandByMajor: { 18: '1.70.02' }, serialStyle: 'random10',
  },
  {
    productType: 'iPhone17,1', marketingName: 'iPhone 16 Pro', hardwareModel: 'D93AP', boardId: 0x0c, chipId: 0x8140,
    chipName: 'A18 Pro', cpuArchitecture: 'arm64e', usbProductId: IPHONE_USB_PRODUCT_ID, storageGb: [128, 256, 512, 1024],
    released: '2024-09-20', firstMajor: 18, lastMajor: null, basebandCertId: 1652214800, basebandSerialBytes: 4,
    basebandByMajor: { 18: '1.70.02' }, serialStyle: 'random10',
  },
];

const BY_PRODUCT_TYPE: ReadonlyMap<string, IPhoneModel> = new Map(IPHONE_MODELS.map((m) => [m.productType, m]));

export function findModel(productType: string): IPhoneModel | undefined {
  return BY_PRODUCT_TYPE.get(productType);
}

export function requireModel(productType: string): IPhoneModel {
  const model = BY_PRODUCT_TYPE.get(productType);
  if (!model) {
    throw new RangeError(`Unknown iPhone model "${productType}"; known: ${IPHONE_MODELS.map((m) => m.productType).join(', ')}`);
  }
  return model;
}

/** "t8120": lockdown's HardwarePlatform is the SoC's chip id in lowercase hex. */
export function hardwarePlatform(model: IPhoneModel): string {
  return `t${model.chipId.toString(16)}`;
}

export function usesModernUdid(model: IPhoneModel): boolean {
  return model.chipId >= MODERN_UDID_MIN_CHIP;
}

/** "00008120-": the chip-id half of a modern UDID. */
export function udidPrefix(model: IPhoneModel): string {
  return `${model.chipId.toString(16).toUpperCase().padStart(8, '0')}-`;
}

/** Whether the model can report `version`: known release, within its majors, and shipped to it. */
export function supportsIosVersion(model: IPhoneModel, version: string): boolean {
  const release = findRelease(version);
  const major = majorOf(version);
  if (!release || major === undefined) return false;
  if (major < model.firstMajor) return false;
  if (model.lastMajor !== null && major > model.lastMajor) return false;
  return releaseAppliesTo(release, model.productType);
}

/** BasebandVersion for a model on `version`: the sample of the nearest major at or below it, else the lowest. */
export function basebandVersionFor(model: IPhoneModel, version: string): string | undefined {
  const major = majorOf(version) ?? 0;
  const majors = Object.keys(model.basebandByMajor).map(Number).sort((a, b) => a - b);
  const chosen = majors.filter((m) => m <= major).pop() ?? majors[0];
  return chosen === undefined ? undefined : model.basebandByMajor[chosen];
}

/** Human-readable supported range, for error messages ("iOS 18 and later", "iOS 12–18"). */
export function describeSupport(model: IPhoneModel): string {
  return model.lastMajor === null ? `iOS ${model.firstMajor} and later` : `iOS ${model.firstMajor}–${model.lastMajor}`;
}

/** Sorted helper for messages and defaults. */
export function sortVersions(versions: readonly string[]): string[] {
  return [...versions].sort(compareVersions);
}
