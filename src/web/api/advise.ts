/**
 * The setup advisor as a wizard: the doctor's questions, its pure recommend(), and applying the
 * recommendation to the config (the defaults for every device; remotes and per-device settings kept).
 *   GET  /api/advise/questions
 *   POST /api/advise {answers: {id: text}, apply?: true}
 */
import { updateConfig } from '../../config/config.js';
import { AnswerError, applyRecommendation, parseAnswer, QUESTIONS, recommend, type AdviceAnswers } from '../../daemon/advise/index.js';
import type { DashboardContext } from '../context.js';
import { WebError } from '../errors.js';
import type { Router } from '../http.js';

export function registerAdviseRoutes(router: Router, ctx: DashboardContext): void {
  router.add('GET', '/api/advise/questions', () => ({ questions: QUESTIONS }));

  router.add('POST', '/api/advise', async ({ body }) => {
    const b = await body();
    const given = b['answers'];
    if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new WebError(400, '"answers" must be an object');
    const answers: Record<string, unknown> = {};
    try {
      for (const question of QUESTIONS) {
        const text = (given as Record<string, unknown>)[question.id];
        if (typeof text !== 'string' && typeof text !== 'number') throw new WebError(400, `answer "${question.prompt}"`, 'WEB_ANSWER_MISSING');
        answers[question.id] = parseAnswer(question.id, String(text));
      }
    } catch (error) {
      if (error instanceof AnswerError) throw new WebError(400, error.message, 'WEB_BAD_ANSWER');
      throw error;
    }
    const recommendation = recommend(answers as unknown as AdviceAnswers);
    if (b['apply'] === true) {
      const saved = updateConfig((config) => applyRecommendation(config, recommendation), ctx.configFile);
      ctx.onConfigSaved(saved);
      return { recommendation, applied: true };
    }
    return { recommendation, applied: false };
  });
}
