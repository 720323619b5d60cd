// Doctor and alerts: what is wrong now, per device, with the exact fix; the alert history; and a
// test message through each notification channel.
import { absTime, api, ApiError, errorBox, errorText, fill, h, post, say } from '../app.js';

const SEVERITY = { critical: 'red', warning: 'amber', info: 'info', ok: 'green' };

function finding(f, names) {
  return h(
    'article',
    { class: `card finding health-${SEVERITY[f.severity] === 'info' ? 'green' : SEVERITY[f.severity]}`, dataset: { finding: f.id, udid: f.udid ?? '' } },
    h('header', {}, h('h3', {}, f.title), h('span', { class: `badge ${SEVERITY[f.severity]}` }, f.severity)),
    f.udid ? h('p', { class: 'muted small' }, names.get(f.udid) ?? f.udid) : h('p', { class: 'muted small' }, 'This computer'),
    h('p', {}, f.explanation),
    h('p', {}, h('strong', {}, 'Fix: '), f.fix),
  );
}

async function findings() {
  const box = h('div', { class: 'findings' });
  try {
    const data = await api('/api/doctor');
    const names = new Map(data.devices.map((d) => [d.udid, d.name ?? d.udid]));
    const problems = data.findings.filter((f) => f.severity !== 'ok');
    fill(
      box,
      problems.length === 0 ? h('p', { class: 'all-good' }, h('span', { class: 'badge green' }, 'All good'), ' Nothing needs your attention.') : null,
      h('div', { class: 'grid' }, problems.map((f) => finding(f, names))),
      h('p', { class: 'muted small' }, `Checked ${absTime(data.checkedAt)}.`),
    );
  } catch (error) {
    fill(box, error instanceof ApiError && error.status === 404 ? h('p', { class: 'muted' }, 'The doctor is not available in this version.') : errorBox(error));
  }
  return box;
}

export async function render(_args, scope) {
  const section = h('section', { 'aria-labelledby': 'doctor-title' });
  const alerts = await api('/api/alerts');
  const recheck = h('button', { type: 'button' }, 'Check again');
  const findingsSlot = h('div', {}, await findings());
  recheck.addEventListener('click', async () => {
    recheck.disabled = true;
    fill(findingsSlot, await findings());
    recheck.disabled = false;
  });
  const test = (channel) => {
    const b = h('button', { type: 'button', disabled: !alerts.daemon }, `Test ${channel}`);
    b.addEventListener('click', async () => {
      try {
        await post('/api/alerts/test', { channel });
        say(`Test sent through ${channel}`);
      } catch (error) {
        say(errorText(error));
      }
    });
    return b;
  };
  fill(
    section,
    h('h1', { id: 'doctor-title' }, 'Doctor and alerts'),
    h('h2', {}, 'What needs attention'),
    findingsSlot,
    h('div', { class: 'actions' }, recheck),
    h('h2', {}, 'Test notifications'),
    alerts.daemon ? null : h('p', { class: 'muted' }, 'Alerts are sent by the daemon: start `lifeboat daemon` to test them.'),
    h('div', { class: 'actions' }, ['desktop', 'webhook', 'email'].map(test)),
    h('h2', {}, 'Alert history'),
    alerts.alerts.length === 0
      ? h('p', { class: 'muted' }, 'No alerts so far.')
      : h('ul', { class: 'alerts' }, alerts.alerts.map((a) => h('li', {}, h('strong', {}, a.title), ` — ${absTime(a.at)}`, h('br'), h('span', { class: 'small' }, a.body), h('span', { class: 'muted small' }, ` (${a.channels.join(', ') || 'no channel'})`)))),
    alerts.runs.length === 0 ? null : h('h2', {}, 'Recent runs'),
    alerts.runs.length === 0 ? null : h('ul', {}, alerts.runs.map((r) => h('li', {}, `${absTime(r.startedAt)} — ${r.udid}: ${r.result}${r.error ? ` (${r.error})` : ''}`))),
  );
  scope.on('alert', () => say('New alert: reload to see it'));
  return section;
}
