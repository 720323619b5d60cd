/**
 * The setup advisor's logic: answers in, a recommended setup out — schedule and conditions, encryption,
 * where the vault lives, retention, an off-site copy, what iCloud Photos means — each with why.
 * A pure function (no I/O, no clock), so the CLI and the web wizard give the same advice.
 *
 * The reasoning follows the guide: iCloud-like automation (locked… on Wi-Fi and power, overnight) for
 * people who want no manual steps; encryption because only encrypted backups hold Health data and saved
 * passwords; storage sized from the data on the phone; history and an off-site copy because one copy
 * next to the computer is lost with it; iCloud Photos is sync, not backup, and its originals are not in
 * an iPhone backup.
 */
import { DEFAULT_POLICY, type DevicePolicy, type RetentionSettings } from '../../config/schema.js';
import type { AdviceAnswers, StorageKind } from './questions.js';

export type AdviceTopic = 'schedule' | 'encryption' | 'storage' | 'retention' | 'offsite' | 'icloud-photos' | 'computer' | 'new-iphone';

export interface Advice {
  readonly topic: AdviceTopic;
  /** What to do, in one or two sentences. */
  readonly advice: string;
  readonly why: string;
}

export interface Recommendation {
  /** The default policy to write into the config (every device). */
  readonly policy: DevicePolicy;
  /** Turn on Wi-Fi sync so backups need no cable. */
  readonly wifiSync: boolean;
  /** Where the vault (the versioned snapshots) should live. */
  readonly vault: Exclude<StorageKind, 's3'>;
  /** Where the second, off-site copy goes ('none': no place for one was named). */
  readonly offsite: StorageKind | 'none';
  readonly advice: readonly Advice[];
  /** What to do next, in order (commands or settings). */
  readonly steps: readonly string[];
}

/** History costs roughly this much on top of one full copy (hard links share unchanged files). */
export const HISTORY_OVERHEAD = 1.5;
/** Above this much data, a computer's internal disk is often too small for the vault beside everything else. */
export const LARGE_DATA_GB = 200;

const RETENTION_FULL: RetentionSettings = { last: 3, daily: 14, weekly: 8, monthly: 12, yearly: 3 };
const RETENTION_LEAN: RetentionSettings = { last: 2, daily: 7, weekly: 4, monthly: 6 };

function chooseVault(answers: AdviceAnswers): Recommendation['vault'] {
  const has = (kind: StorageKind): boolean => answers.storage.includes(kind);
  if (has('external') && (answers.dataGb >= LARGE_DATA_GB || !has('local'))) return 'external';
  if (has('local')) return 'local';
  if (has('external')) return 'external';
  if (has('nas')) return 'nas';
  return 'local';
}

function chooseOffsite(answers: AdviceAnswers, vault: Recommendation['vault']): Recommendation['offsite'] {
  if (answers.storage.includes('s3')) return 's3';
  if (answers.storage.includes('nas') && vault !== 'nas') return 'nas';
  if (answers.storage.includes('external') && vault !== 'external') return 'external';
  return 'none';
}

const STORAGE_WORDS: Record<StorageKind, string> = { local: 'this computer\'s disk', external: 'the external disk', nas: 'the NAS', s3: 'S3-compatible cloud storage' };

export function recommend(answers: AdviceAnswers): Recommendation {
  const hands = answers.manual === 'none';
  const sensitive = answers.sensitivity === 'high';
  const frequentUpgrades = answers.upgrade === 'yearly';
  const vault = chooseVault(answers);
  const offsite = chooseOffsite(answers, vault);
  const needGb = Math.ceil(answers.dataGb * HISTORY_OVERHEAD);
  const lean = answers.dataGb >= LARGE_DATA_GB && answers.storage.length === 1;
  const wifiSync = answers.manual !== 'happy';

  const policy: DevicePolicy = {
    ...DEFAULT_POLICY,
    automatic: true,
    intervalHours: 24,
    // Frequent upgraders want the backup that moves them to a new phone to be at most two days old.
    staleAfterHours: frequentUpgrades ? 48 : 72,
    conditions: { requirePower: true, requireUsbOrWifi: true, requireLocked: false, skipInLowPowerMode: true, minBatteryPercent: 20 },
    ...(hands ? { window: { start: '00:30', end: '06:00' } } : {}),
    retention: lean ? RETENTION_LEAN : RETENTION_FULL,
    verifyAfterBackup: true,
    syncRemotes: [],
    wantEncryption: true,
  };

  const advice: Advice[] = [];
  advice.push({
    topic: 'schedule',
    advice: hands
      ? 'Back up every night between 00:30 and 06:00 while the iPhone charges on Wi-Fi, like iCloud Backup; alert when no backup succeeded for ' + `${policy.staleAfterHours / 24} days.`
      : `Back up once a day whenever the iPhone is on power and connected (cable${wifiSync ? ' or Wi-Fi' : ''}); alert after ${policy.staleAfterHours / 24} days without one.`,
    why: hands
      ? 'You want no manual steps: overnight, on power and Wi-Fi, nobody has to remember anything — and Lifeboat says loudly when it could not, instead of stopping silently as iCloud does.'
      : 'A daily incremental backup only sends what changed, so it is quick whenever the phone is plugged in; the alert catches the days it was not.',
  });
  advice.push({
    topic: 'encryption',
    advice: 'Turn backup encryption on and store its password where Lifeboat can read it (the backup-password file, mode 600) as well as in your password manager.',
    why: sensitive
      ? 'Your data is sensitive: only an encrypted backup contains Health data, saved passwords and Wi-Fi passwords, and encryption keeps the backup unreadable to anyone who gets the disk.'
      : 'Without encryption a backup leaves out Health data, saved passwords and Wi-Fi passwords, and anyone with the disk can read it. The password is needed to restore, so keep it safe.',
  });
  advice.push({
    topic: 'storage',
    advice: `Keep the vault on ${STORAGE_WORDS[vault]}; plan for about ${needGb} GB (one full copy plus history).`,
    why:
      vault === 'external' && answers.dataGb >= LARGE_DATA_GB
        ? `${answers.dataGb} GB of data plus history is more than most internal disks can spare.`
        : vault === 'nas'
          ? 'The NAS is the storage you named; Lifeboat keeps history there with hard links, or in a restic repository if the share does not support them.'
          : 'Unchanged files are hard links to the previous snapshot, so each day\'s snapshot costs only what changed.',
  });
  advice.push({
    topic: 'retention',
    advice: lean
      ? 'Keep the last 2 backups, 7 daily, 4 weekly and 6 monthly.'
      : 'Keep the last 3 backups, 14 daily, 8 weekly, 12 monthly and 3 yearly.',
    why: lean
      ? 'With a lot of data and one place to keep it, a shorter history leaves room for the next backups.'
      : 'Older snapshots let you get back a message or photo deleted weeks ago; iCloud Backup keeps only the latest.',
  });
  advice.push(
    offsite === 'none'
      ? { topic: 'offsite', advice: 'Add a second copy somewhere else: S3-compatible storage, a NAS, or an external disk kept elsewhere.', why: 'A backup next to the computer is lost with it (theft, fire, a failing disk). You named no second place yet.' }
      : {
          topic: 'offsite',
          advice: `Copy every new snapshot to ${STORAGE_WORDS[offsite]} (encrypted and deduplicated by restic).`,
          why: offsite === 's3' ? 'A copy in another building survives theft, fire and a dead disk at home.' : 'A second copy survives the disk holding the vault failing; keep it in another room or building if you can.',
        },
  );
  advice.push({
    topic: 'icloud-photos',
    advice:
      answers.icloudPhotos === 'on'
        ? `iCloud Photos is on, so the originals of your photos and videos are in iCloud and NOT in any iPhone backup. Keep your own copy: ${answers.os === 'mac' ? 'Photos › Settings › iCloud › "Download Originals to this Mac", and keep that library backed up' : answers.os === 'windows' ? 'iCloud for Windows › Photos, to download them, and keep that folder backed up' : 'Linux has no Apple client; the third-party tool icloudpd can download them'}.`
        : answers.icloudPhotos === 'off'
          ? 'iCloud Photos is off, so your photos and videos are in every backup — they are usually most of its size.'
          : 'Check Settings › [your name] › iCloud › Photos: when it is on, the originals of photos and videos are left out of iPhone backups.',
    why: 'iCloud Photos is sync, not backup: a photo deleted by mistake is deleted everywhere after 30 days, and an iPhone backup skips what iCloud Photos holds.',
  });
  advice.push({
    topic: 'computer',
    advice:
      answers.os === 'linux'
        ? 'Install usbmuxd (`sudo apt install usbmuxd`) and run `lifeboat daemon` as a systemd user service.'
        : answers.os === 'mac'
          ? 'macOS has everything built in; run `lifeboat daemon` as a launchd agent so it starts at login.'
          : 'Install the Apple Devices app (it brings the Apple Mobile Device Service) and start `lifeboat daemon` at logon.',
    why: 'The daemon watches for the iPhone and backs it up when the conditions hold; without it, backups happen only when you run them.',
  });
  if (frequentUpgrades) {
    advice.push({
      topic: 'new-iphone',
      advice: 'When you get a new iPhone, make one last backup of the old one, then restore it to the new one: `lifeboat restore --source <old UDID> --snapshot <id>` (`lifeboat snapshots` lists them).',
      why: 'An encrypted backup moves passwords and Health data too, so you do not sign in to everything again.',
    });
  }

  const steps = [
    answers.os === 'linux' ? 'sudo apt install usbmuxd' : answers.os === 'windows' ? 'Install the Apple Devices app from the Microsoft Store' : 'Connect the iPhone with a cable',
    'lifeboat pair   (tap Trust on the iPhone)',
    'lifeboat encryption on   (then save the password in the backup-password file beside the config, mode 600)',
    ...(wifiSync ? ['lifeboat wifi on   (with the cable connected)'] : []),
    ...(vault === 'external' || vault === 'nas' ? [`set "vaultPath" in the config to a folder on ${STORAGE_WORDS[vault]} (or rerun advise with --vault-path)`] : []),
    ...(offsite !== 'none' ? [`lifeboat remote add offsite <${offsite === 's3' ? 's3:https://host/bucket/lifeboat' : 'path on ' + STORAGE_WORDS[offsite]}>, then add "offsite" to syncRemotes`] : []),
    'lifeboat backup   (the first, full backup)',
    `lifeboat daemon   (${answers.os === 'linux' ? 'as a systemd user service' : answers.os === 'mac' ? 'as a launchd agent' : 'at logon'})`,
  ];
  return { policy, wifiSync, vault, offsite, advice, steps };
}
