/**
 * The setup advisor's questions — the variables the guide says shape the right setup (how much data,
 * how often you get a new iPhone, Mac/Windows/Linux, tolerance for manual steps, how sensitive the data
 * is) plus what storage you have and whether iCloud Photos is on. One definition serves the CLI's
 * prompts and flags and the web wizard; parseAnswer() validates text from either.
 */

export type OperatingSystem = 'mac' | 'windows' | 'linux';
export type UpgradeCadence = 'yearly' | 'few-years' | 'rarely';
export type ManualTolerance = 'none' | 'some' | 'happy';
export type Sensitivity = 'normal' | 'high';
export type StorageKind = 'local' | 'external' | 'nas' | 's3';
export type ICloudPhotos = 'on' | 'off' | 'unknown';

export interface AdviceAnswers {
  /** Gigabytes of data on the iPhone (Settings › General › iPhone Storage, the "used" figure). */
  readonly dataGb: number;
  readonly upgrade: UpgradeCadence;
  readonly os: OperatingSystem;
  readonly manual: ManualTolerance;
  readonly sensitivity: Sensitivity;
  /** What storage is available for backups (at least one). */
  readonly storage: readonly StorageKind[];
  readonly icloudPhotos: ICloudPhotos;
}

export interface Choice<T extends string> {
  readonly value: T;
  readonly label: string;
}

interface QuestionBase<K extends keyof AdviceAnswers> {
  readonly id: K;
  /** The CLI flag that answers it. */
  readonly flag: string;
  readonly prompt: string;
  readonly help: string;
}

export type Question =
  | (QuestionBase<'dataGb'> & { readonly kind: 'number' })
  | (QuestionBase<'upgrade'> & { readonly kind: 'choice'; readonly choices: readonly Choice<UpgradeCadence>[] })
  | (QuestionBase<'os'> & { readonly kind: 'choice'; readonly choices: readonly Choice<OperatingSystem>[] })
  | (QuestionBase<'manual'> & { readonly kind: 'choice'; readonly choices: readonly Choice<ManualTolerance>[] })
  | (QuestionBase<'sensitivity'> & { readonly kind: 'choice'; readonly choices: readonly Choice<Sensitivity>[] })
  | (QuestionBase<'storage'> & { readonly kind: 'multi'; readonly choices: readonly Choice<StorageKind>[] })
  | (QuestionBase<'icloudPhotos'> & { readonly kind: 'choice'; readonly choices: readonly Choice<ICloudPhotos>[] });

export const QUESTIONS: readonly Question[] = [
  { id: 'dataGb', flag: '--data-gb', kind: 'number', prompt: 'How much data is on the iPhone, in GB?', help: 'Settings › General › iPhone Storage shows it ("… GB of … GB used").' },
  {
    id: 'upgrade', flag: '--upgrade', kind: 'choice', prompt: 'How often do you get a new iPhone?', help: 'Moving to a new phone is when a complete, recent backup matters most.',
    choices: [{ value: 'yearly', label: 'every year' }, { value: 'few-years', label: 'every 2–3 years' }, { value: 'rarely', label: 'rarely (I keep it until it breaks)' }],
  },
  {
    id: 'os', flag: '--os', kind: 'choice', prompt: 'Which computer keeps the backups?', help: 'The computer that runs Lifeboat.',
    choices: [{ value: 'mac', label: 'Mac' }, { value: 'windows', label: 'Windows' }, { value: 'linux', label: 'Linux' }],
  },
  {
    id: 'manual', flag: '--manual', kind: 'choice', prompt: 'How much do you mind manual steps?', help: 'iCloud-style "it just happens" or some control by hand.',
    choices: [{ value: 'none', label: 'none: it must happen by itself' }, { value: 'some', label: 'an occasional step is fine' }, { value: 'happy', label: 'I like to control it myself' }],
  },
  {
    id: 'sensitivity', flag: '--sensitive', kind: 'choice', prompt: 'How sensitive is the data?', help: 'Health tracking, many saved passwords, work or medical data count as high.',
    choices: [{ value: 'normal', label: 'normal' }, { value: 'high', label: 'high (Health, passwords, work data)' }],
  },
  {
    id: 'storage', flag: '--storage', kind: 'multi', prompt: 'What storage do you have? (comma-separated)', help: 'Where backups can go; several are better than one.',
    choices: [{ value: 'local', label: 'this computer\'s disk' }, { value: 'external', label: 'an external disk' }, { value: 'nas', label: 'a NAS / network share' }, { value: 's3', label: 'S3-compatible cloud storage' }],
  },
  {
    id: 'icloudPhotos', flag: '--icloud-photos', kind: 'choice', prompt: 'Is iCloud Photos on?', help: 'Settings › [your name] › iCloud › Photos.',
    choices: [{ value: 'on', label: 'on' }, { value: 'off', label: 'off' }, { value: 'unknown', label: 'not sure' }],
  },
];

export class AnswerError extends Error {
  constructor(
    readonly question: Question['id'],
    message: string,
  ) {
    super(message);
  }
}

/** The value of one answer typed by a person or given as a flag; throws AnswerError naming what is accepted. */
export function parseAnswer<K extends keyof AdviceAnswers>(id: K, text: string): AdviceAnswers[K] {
  const question = QUESTIONS.find((q) => q.id === id);
  if (!question) throw new RangeError(`no question ${id}`);
  const raw = text.trim().toLowerCase();
  if (question.kind === 'number') {
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value) || value <= 0 || value > 100_000) {
      throw new AnswerError(id, `${question.flag}: "${text}" is not a size in GB (a number such as 64 or 180)`);
    }
    return value as AdviceAnswers[K];
  }
  const allowed = question.choices.map((c) => c.value as string);
  // Numbers pick a choice by position, as the interactive prompt lists them.
  const pick = (word: string): string | undefined => (/^\d+$/.test(word) ? allowed[Number(word) - 1] : allowed.find((v) => v === word));
  if (question.kind === 'multi') {
    const words = raw.split(/[\s,]+/).filter((w) => w.length > 0);
    const values = words.map(pick);
    if (words.length === 0 || values.some((v) => v === undefined)) throw new AnswerError(id, `${question.flag}: "${text}" — give one or more of ${allowed.join(', ')}`);
    return [...new Set(values as string[])] as unknown as AdviceAnswers[K];
  }
  const value = pick(raw);
  if (value === undefined) throw new AnswerError(id, `${question.flag}: "${text}" is not one of ${allowed.join(', ')}`);
  return value as AdviceAnswers[K];
}
