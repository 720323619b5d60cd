/**
 * The iOS releases the virtual iPhone can claim to run, with the build numbers real iPhones report.
 *
 * Nouns: a *version* is lockdown's ProductVersion ("17.5", "18.0.1" — x.0 releases keep the ".0");
 * a *build* is BuildVersion ("21F79"). A *release* pairs them and records where the pair was checked.
 * Only pairs verified in public sources are listed, so `ios=` can never produce a combination no real
 * iPhone reported. Sources (see the report in the commit that added this file):
 * - `appledb`: littlebyteorg/appledb osFiles/iOS/<build>.json ("version"/"build" + Apple IPSW URLs)
 * - `sofa`: macadmins/sofa v1/v2 ios_data_feed.json (Apple's gdmf feed; "Build"/"AllBuilds"). Apple also
 *   lists a managed-rollout twin with a 6 inserted (22G6090 next to 22G90); we record the plain build,
 *   which is the one in the IPSW/appledb files.
 * - `ipsw-diffs`: blacktop/ipsw-diffs README (diffs of the IPSWs named "<version> (<build>)").
 * Some releases used different builds on some models (factory images, model-specific re-spins);
 * `buildFor`/`onlyFor`/`notFor` record the ones we verified; catalog.ts combines them with each model's
 * supported range.
 */
import { UnknownIosVersionError } from './errors.js';

export interface IosRelease {
  readonly version: string;
  readonly build: string;
  readonly source: string;
  /** Product types that ran a different build for this version (verified per model). */
  readonly buildFor?: Readonly<Record<string, string>>;
  /** When set, the build was only shipped to these product types. */
  readonly onlyFor?: readonly string[];
  /** Product types this build was not shipped to (they used a build we have not verified). */
  readonly notFor?: readonly string[];
}

const IPHONE_15_FAMILY = ['iPhone15,4', 'iPhone15,5', 'iPhone16,1', 'iPhone16,2'] as const;
/** iPhone 8, 8 Plus and X: the only iPhones that got 16.7.3 and later (appledb 20H343 deviceMap). */
const IPHONE_8_X = ['iPhone10,1', 'iPhone10,2', 'iPhone10,3', 'iPhone10,4', 'iPhone10,5', 'iPhone10,6'] as const;

function r(version: string, build: string, source: string, extra: Partial<IosRelease> = {}): IosRelease {
  return { version, build, source, ...extra };
}

/** Ascending by version. */
export const IOS_RELEASES: readonly IosRelease[] = [
  // iOS 16.7.x security updates for the phones that cannot run 17 (sofa "Latest" history; appledb files).
  r('16.7.7', '20H330', 'sofa', { onlyFor: IPHONE_8_X }),
  r('16.7.8', '20H343', 'sofa, appledb', { onlyFor: IPHONE_8_X }),
  r('16.7.9', '20H348', 'sofa', { onlyFor: IPHONE_8_X }),
  r('16.7.10', '20H350', 'sofa', { onlyFor: IPHONE_8_X }),
  r('16.7.11', '20H360', 'sofa', { onlyFor: IPHONE_8_X }),
  r('16.7.12', '20H364', 'sofa', { onlyFor: IPHONE_8_X }),
  r('16.7.16', '20H392', 'appledb', { onlyFor: IPHONE_8_X }), // released 2026-05-11
  // iOS 17: the iPhone 15 family shipped with factory builds (21A326/21A327/21A331) instead of 21A329.
  r('17.0', '21A329', 'appledb', { notFor: IPHONE_15_FAMILY }),
  r('17.0.1', '21A340', 'appledb'),
  r('17.0.2', '21A350', 'appledb', { onlyFor: IPHONE_15_FAMILY }),
  r('17.0.3', '21A360', 'appledb'),
  r('17.1', '21B74', 'appledb'),
  r('17.1.1', '21B91', 'appledb'),
  r('17.1.2', '21B101', 'appledb'),
  r('17.2', '21C62', 'appledb'),
  r('17.2.1', '21C66', 'appledb'),
  r('17.3', '21D50', 'appledb'),
  r('17.3.1', '21D61', 'appledb'),
  r('17.4', '21E219', 'appledb'),
  r('17.4.1', '21E237', 'appledb'), // the IPSW build; the first OTA was 21E236 (sofa)
  r('17.5', '21F79', 'appledb'),
  r('17.5.1', '21F90', 'sofa, ipsw-diffs'),
  r('17.6', '21G80', 'ipsw-diffs, sofa'),
  r('17.6.1', '21G93', 'sofa, ipsw-diffs'), // re-released later as 21G101
  r('17.7', '21H16', 'sofa, ipsw-diffs'),
  r('17.7.1', '21H216', 'sofa'),
  r('17.7.2', '21H221', 'sofa'),
  // iOS 18: the iPhone 16 family came from the factory with 18.0 (22A3351, appledb "preinstalled").
  r('18.0', '22A3354', 'ipsw-diffs', {
    buildFor: { 'iPhone17,1': '22A3351', 'iPhone17,2': '22A3351', 'iPhone17,3': '22A3351', 'iPhone17,4': '22A3351' },
  }),
  r('18.0.1', '22A3370', 'ipsw-diffs, sofa'),
  r('18.1', '22B83', 'sofa'),
  r('18.1.1', '22B91', 'sofa, ipsw-diffs'),
  r('18.2', '22C152', 'ipsw-diffs, sofa'),
  r('18.2.1', '22C161', 'sofa, appledb'),
  r('18.3', '22D63', 'sofa'),
  r('18.3.1', '22D72', 'sofa, ipsw-diffs'),
  r('18.3.2', '22D82', 'ipsw-diffs, sofa'),
  r('18.4', '22E240', 'sofa, appledb'),
  r('18.4.1', '22E252', 'sofa'),
  r('18.5', '22F76', 'sofa'),
  r('18.6', '22G86', 'sofa, appledb'),
  r('18.6.1', '22G90', 'sofa'),
  r('18.6.2', '22G100', 'sofa'),
  r('18.7', '22H20', 'sofa'),
  r('18.7.1', '22H31', 'sofa'),
  r('18.7.2', '22H124', 'sofa'),
  r('18.7.3', '22H217', 'sofa'),
  r('18.7.4', '22H218', 'sofa'),
  r('18.7.5', '22H311', 'sofa'),
  r('18.7.6', '22H320', 'sofa'),
  // iOS 18 security updates for the phones that cannot run 26 (iPhone XS, XS Max, XR; appledb deviceMap).
  r('18.7.10', '22H374', 'appledb', { onlyFor: ['iPhone11,2', 'iPhone11,4', 'iPhone11,6', 'iPhone11,8'] }), // 2026-08-17
  // iOS 26 (sofa "AllBuilds"; the 23A–23G builds are the iPhone train of each release).
  r('26.0', '23A341', 'sofa'),
  r('26.0.1', '23A355', 'sofa'),
  r('26.1', '23B85', 'sofa, ipsw-diffs'),
  r('26.2', '23C55', 'sofa'),
  r('26.2.1', '23C71', 'sofa'),
  r('26.3', '23D127', 'sofa'),
  r('26.4', '23E246', 'sofa'),
  r('26.4.1', '23E254', 'sofa'),
  r('26.4.2', '23E261', 'sofa'),
  r('26.5', '23F77', 'sofa'),
  r('26.5.1', '23F81', 'sofa'),
  r('26.5.2', '23F84', 'sofa'),
  r('26.6', '23G71', 'sofa'),
  r('26.6.1', '23G83', 'sofa'),
  // iOS 27 (appledb 24A446.json: iPhone 11 and later; sofa lists its managed-rollout twin 24A9446).
  r('27.0.1', '24A446', 'appledb'), // released 2026-09-28
];

const BY_VERSION: ReadonlyMap<string, IosRelease> = new Map(IOS_RELEASES.map((release) => [release.version, release]));

/** The numeric parts of "17.0.1" → [17, 0, 1]; undefined for anything that is not 2–3 dotted integers. */
export function parseVersion(version: string): number[] | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){1,2}$/.test(version)) return undefined;
  return version.split('.').map(Number);
}

/** Orders versions numerically ("17.10" after "17.9"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a) ?? [];
  const pb = parseVersion(b) ?? [];
  for (let i = 0; i < 3; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export function majorOf(version: string): number | undefined {
  return parseVersion(version)?.[0];
}

export function isKnownVersion(version: string): boolean {
  return BY_VERSION.has(version);
}

export function findRelease(version: string): IosRelease | undefined {
  return BY_VERSION.get(version);
}

/** Known versions worth suggesting for an unknown one: same major, else the newest of each major. */
export function nearbyVersions(version: string): string[] {
  const major = majorOf(version);
  const sameMajor = IOS_RELEASES.filter((release) => majorOf(release.version) === major).map((release) => release.version);
  if (sameMajor.length > 0) return sameMajor;
  const newestPerMajor = new Map<number, string>();
  for (const release of IOS_RELEASES) newestPerMajor.set(majorOf(release.version) ?? 0, release.version);
  return [...newestPerMajor.values()];
}

/** Throws the "unknown version" error with suggestions; returns the release otherwise. */
export function requireRelease(version: string): IosRelease {
  const release = BY_VERSION.get(version);
  if (release) return release;
  const nearby = nearbyVersions(version);
  const major = majorOf(version);
  const inMajor = nearby.length > 0 && nearby.every((v) => majorOf(v) === major);
  const message =
    parseVersion(version) === undefined
      ? `"${version}" is not an iOS version (expected dotted numbers like 17.5 or 18.0.1); newest known per major: ${nearby.join(', ')}`
      : inMajor
        ? `Unknown iOS version "${version}"; known ${major}.x versions: ${nearby.join(', ')}`
        : `Unknown iOS version "${version}" (no iOS ${major} releases in the table); newest known per major: ${nearby.join(', ')}`;
  throw new UnknownIosVersionError(version, nearby, message);
}

/**
 * The BuildVersion a device reports for `version`. With a product type, a model-specific build
 * (e.g. the iPhone 16's factory 18.0) wins. Whether the model may run the version at all is
 * catalog.ts's `supportsIosVersion`.
 */
export function buildForVersion(version: string, productType?: string): string {
  const release = requireRelease(version);
  return (productType === undefined ? undefined : release.buildFor?.[productType]) ?? release.build;
}

/** Whether this release's build was shipped to `productType` (ignores the model's OS range). */
export function releaseAppliesTo(release: IosRelease, productType: string): boolean {
  if (release.onlyFor && !release.onlyFor.includes(productType)) return false;
  if (release.notFor?.includes(productType)) return false;
  return true;
}
