// The setup advisor as a short wizard: one question at a time (radio buttons or a number, keyboard
// friendly), then the recommendation with why, and a button that writes it into the config.
import { api, errorBox, fill, h, post, refresh, say } from '../app.js';

function questionView(q, value) {
  const legend = h('legend', {}, q.prompt);
  const help = h('p', { class: 'muted small' }, q.help);
  if (q.kind === 'number') {
    const input = h('input', { type: 'number', min: 1, step: 'any', id: `q-${q.id}`, value: value ?? '', required: true, inputmode: 'decimal' });
    return { view: h('fieldset', {}, legend, help, h('label', { for: input.id }, 'GB'), input), read: () => input.value, focus: () => input.focus() };
  }
  const type = q.kind === 'multi' ? 'checkbox' : 'radio';
  const chosen = new Set(String(value ?? '').split(',').filter(Boolean));
  const inputs = q.choices.map((c, i) => h('input', { type, name: `q-${q.id}`, value: c.value, id: `q-${q.id}-${i}`, checked: chosen.has(c.value) || (type === 'radio' && chosen.size === 0 && i === 0) }));
  return {
    view: h('fieldset', {}, legend, help, q.choices.map((c, i) => h('label', { class: 'inline', for: inputs[i].id }, inputs[i], c.label))),
    read: () => inputs.filter((x) => x.checked).map((x) => x.value).join(','),
    focus: () => (inputs.find((x) => x.checked) ?? inputs[0]).focus(),
  };
}

function recommendationView(rec, onApply) {
  const apply = h('button', { class: 'primary', type: 'button' }, 'Use this as my backup policy');
  apply.addEventListener('click', onApply);
  return h(
    'div',
    { class: 'recommendation' },
    h('h3', {}, 'Recommended'),
    h('ul', {}, rec.advice.map((a) => h('li', {}, h('strong', {}, a.advice), ' ', h('span', { class: 'muted' }, a.why)))),
    h('h3', {}, 'Next steps'),
    h('ol', {}, rec.steps.map((s) => h('li', {}, s))),
    h('div', { class: 'actions' }, apply),
  );
}

export async function advisor() {
  const { questions } = await api('/api/advise/questions');
  const card = h('section', { class: 'card advisor', 'aria-labelledby': 'advisor-title' });
  const answers = {};
  let step = -1;
  const draw = () => {
    if (step < 0) {
      const start = h('button', { class: 'primary', type: 'button', onclick: () => ((step = 0), draw()) }, 'Start the setup advisor');
      return fill(card, h('h2', { id: 'advisor-title' }, 'Which setup suits me?'), h('p', {}, `${questions.length} short questions, then a recommended backup policy you can apply.`), start);
    }
    if (step < questions.length) {
      const q = questions[step];
      const qv = questionView(q, answers[q.id]);
      const form = h(
        'form',
        {},
        h('p', { class: 'muted small' }, `Question ${step + 1} of ${questions.length}`),
        qv.view,
        h('div', { class: 'actions' }, step > 0 ? h('button', { type: 'button', onclick: () => ((answers[q.id] = qv.read()), step--, draw()) }, 'Back') : null, h('button', { class: 'primary', type: 'submit' }, step === questions.length - 1 ? 'See the recommendation' : 'Next')),
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const value = qv.read();
        if (!value) return say('Choose an answer first');
        answers[q.id] = value;
        step++;
        draw();
      });
      fill(card, h('h2', { id: 'advisor-title' }, 'Setup advisor'), form);
      qv.focus();
      return;
    }
    fill(card, h('h2', { id: 'advisor-title' }, 'Setup advisor'), h('p', { class: 'muted' }, 'Working it out…'));
    post('/api/advise', { answers })
      .then(({ recommendation }) => {
        fill(
          card,
          h('h2', { id: 'advisor-title' }, 'Setup advisor'),
          recommendationView(recommendation, async () => {
            try {
              await post('/api/advise', { answers, apply: true });
              say('Saved: the recommended policy is now the default for every device');
              refresh();
            } catch (error) {
              card.append(errorBox(error));
            }
          }),
          h('button', { type: 'button', onclick: () => ((step = 0), draw()) }, 'Start over'),
        );
      })
      .catch((error) => {
        fill(card, h('h2', { id: 'advisor-title' }, 'Setup advisor'), errorBox(error), h('button', { type: 'button', onclick: () => ((step = questions.length - 1), draw()) }, 'Back'));
      });
  };
  draw();
  return card;
}
