/** The setup advisor: its questions, the pure recommendation, and how it becomes the config. */
export { applyRecommendation, type ApplyOptions } from './apply.js';
export { QUESTIONS, AnswerError, parseAnswer, type AdviceAnswers, type Question, type StorageKind } from './questions.js';
export { recommend, HISTORY_OVERHEAD, LARGE_DATA_GB, type Advice, type AdviceTopic, type Recommendation } from './recommend.js';
