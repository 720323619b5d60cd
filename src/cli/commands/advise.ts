/**
 * `lifeboat advise`: asks the guide's questions (interactively on a terminal, or by flags), recommends
 * a setup with the reasons, and with --write saves it as the config. The logic is in
 * src/daemon/advise (shared with the web wizard); this file only gathers answers and renders.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { configPath, updateConfig } from '../../config/config.js';
import { AnswerError, applyRecommendation, parseAnswer, QUESTIONS, recommend, type AdviceAnswers, type Question, type Recommendation } from '../../daemon/advise/index.js';
import { printJson, printLine, type GlobalOptions } from '../output.js';
import { UsageError } from './parse.js';

interface AdviseOptions extends GlobalOptions {
  readonly dataGb?: string;
  readonly upgrade?: string;
  readonly os?: string;
  readonly manual?: string;
  readonly sensitive?: string;
  readonly storage?: string;
  readonly icloudPhotos?: string;
  readonly vaultPath?: string;
  readonly write?: boolean;
}

type Partial<T> = { -readonly [K in keyof T]?: T[K] };

const FLAG_VALUE: Record<Question['id'], keyof AdviseOptions> = {
  dataGb: 'dataGb',
  upgrade: 'upgrade',
  os: 'os',
  manual: 'manual',
  sensitivity: 'sensitive',
  storage: 'storage',
  icloudPhotos: 'icloudPhotos',
};

function platformOs(): AdviceAnswers['os'] {
  return process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'windows' : 'linux';
}

function set<K extends keyof AdviceAnswers>(answers: Partial<AdviceAnswers>, id: K, text: string): void {
  answers[id] = parseAnswer(id, text);
}

/** Asks every question not answered yet, re-asking until the answer is valid. */
export async function askMissing(answers: Partial<AdviceAnswers>, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void> {
  const rl = createInterface({ input, terminal: false });
  // The iterator queues lines typed (or pasted) ahead of their question.
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (const question of QUESTIONS) {
      if (answers[question.id] !== undefined) continue;
      const options = question.kind === 'number' ? '' : `\n${question.choices.map((c, i) => `  ${i + 1}) ${c.value} — ${c.label}`).join('\n')}`;
      for (;;) {
        output.write(`\n${question.prompt} (${question.help})${options}\n> `);
        const next = await lines.next();
        if (next.done) throw new UsageError(`no answer to "${question.prompt}" (input ended)`);
        const text = next.value;
        try {
          set(answers, question.id, text);
          break;
        } catch (error) {
          if (!(error instanceof AnswerError)) throw error;
          output.write(`${error.message}\n`);
        }
      }
    }
  } finally {
    rl.close();
  }
}

function render(answers: AdviceAnswers, recommendation: Recommendation): void {
  printLine(`Recommended setup for ${answers.dataGb} GB of data on ${answers.os === 'mac' ? 'a Mac' : answers.os === 'windows' ? 'Windows' : 'Linux'}:`);
  for (const item of recommendation.advice) {
    printLine();
    printLine(`${item.topic.toUpperCase()}: ${item.advice}`);
    printLine(`  why: ${item.why}`);
  }
  printLine();
  printLine('Next steps:');
  recommendation.steps.forEach((step, i) => printLine(`  ${i + 1}. ${step}`));
}

export function registerAdviseCommand(program: Command): void {
  const command = program
    .command('advise')
    .description('recommend a backup setup (schedule, encryption, storage, retention, off-site copy, iCloud Photos) from a few questions; --write saves it as the config');
  for (const question of QUESTIONS) {
    const values = question.kind === 'number' ? '<gb>' : `<${question.choices.map((c) => c.value).join(question.kind === 'multi' ? ',' : '|')}>`;
    command.option(`${question.flag} ${values}`, question.prompt);
  }
  command
    .option('--vault-path <dir>', 'with --write: where the vault goes (a folder on the external disk or NAS)')
    .option('--write', 'save the recommendation as the config (every device\'s default policy)')
    .action(async (_options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<AdviseOptions>();
      const answers: Partial<AdviceAnswers> = {};
      for (const question of QUESTIONS) {
        const text = options[FLAG_VALUE[question.id]];
        if (typeof text !== 'string') continue;
        try {
          set(answers, question.id, text);
        } catch (error) {
          throw error instanceof AnswerError ? new UsageError(error.message) : error;
        }
      }
      const missing = QUESTIONS.filter((q) => answers[q.id] === undefined);
      if (missing.length > 0 && process.stdin.isTTY && !options.json) {
        await askMissing(answers, process.stdin, process.stderr);
      } else {
        // Without a person to ask: this computer's OS, and "not sure" about iCloud Photos; the rest must be given.
        answers.os ??= platformOs();
        answers.icloudPhotos ??= 'unknown';
        const still = QUESTIONS.filter((q) => answers[q.id] === undefined);
        if (still.length > 0) throw new UsageError(`advise needs ${still.map((q) => q.flag).join(', ')} (or run it on a terminal to be asked)`);
      }
      const complete = answers as AdviceAnswers;
      const recommendation = recommend(complete);
      let written: string | undefined;
      if (options.write) {
        written = configPath();
        updateConfig((config) => applyRecommendation(config, recommendation, options.vaultPath ? { vaultPath: options.vaultPath } : {}), written);
      } else if (options.vaultPath) {
        throw new UsageError('--vault-path is only used with --write');
      }
      if (options.json) {
        printJson({ answers: complete, recommendation, ...(written ? { written } : {}) });
        return;
      }
      render(complete, recommendation);
      printLine();
      printLine(written ? `Saved as the config: ${written}` : 'Run again with --write to save this as the config.');
    });
}
