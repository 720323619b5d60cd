/**
 * The newest iOS each iPhone can run, for doctor's "iOS is out of date" finding.
 *
 * CURRENT TO 2026-09-28 — the date of the newest release listed (checked 2026-11-25). Update this table
 * when Apple ships a release; a stale table only makes doctor less strict (it never flags a newer iOS).
 * Sources: littlebyteorg/appledb osFiles/iOS (version, build, release date, deviceMap):
 * 24A446.json (27.0.1), 22H374.json (18.7.10), 20H392.json (16.7.16); macadmins/sofa
 * v1/ios_data_feed.json ("Latest" per major and its SupportedDevices).
 * Phones that stopped at an older major get security updates there: the iPhone XS, XS Max and XR
 * (iPhone11,x) stay on iOS 18, the iPhone 8, 8 Plus and X (iPhone10,x) on iOS 16; every iPhone from the
 * iPhone 11 (iPhone12,1) on runs iOS 27.
 */
export const IOS_TABLE_CURRENT_TO = '2026-09-28';

export interface NewestRelease {
  readonly version: string;
  readonly build: string;
  readonly released: string;
  /** ProductType prefixes ("iPhone11,") whose newest iOS this is; undefined = every other iPhone. */
  readonly productTypePrefixes?: readonly string[];
}

export const NEWEST_RELEASES: readonly NewestRelease[] = [
  { version: '16.7.16', build: '20H392', released: '2026-05-11', productTypePrefixes: ['iPhone10,'] },
  { version: '18.7.10', build: '22H374', released: '2026-08-17', productTypePrefixes: ['iPhone11,'] },
  { version: '27.0.1', build: '24A446', released: '2026-09-28' },
];

/** iPhones older than the iPhone 8 (iPhone9,x and before) get no updates any more. */
const UNSUPPORTED = /^iPhone([1-9]),/;

export function newestIosFor(productType: string | undefined): NewestRelease | undefined {
  if (productType !== undefined && UNSUPPORTED.test(productType)) return undefined;
  const specific = NEWEST_RELEASES.find((r) => r.productTypePrefixes?.some((p) => productType?.startsWith(p)));
  return specific ?? NEWEST_RELEASES.find((r) => r.productTypePrefixes === undefined);
}

/** Numeric comparison of dotted versions ("18.10" after "18.9"); missing parts count as 0. */
export function compareIosVersions(a: string, b: string): number {
  const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
