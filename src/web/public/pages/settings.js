// Settings: the backup policy (for every device, and per device), retention, remotes and
// notification channels — saved into the config file by the server, which checks every field.
import { api, errorBox, fill, h, post, refresh, say } from '../app.js';
import { advisor } from './advisor.js';

const enc = encodeURIComponent;
let uid = 0;

function field(label, input) {
  const id = `f${uid++}`;
  input.id = id;
  return input.type === 'checkbox' ? h('label', { class: 'inline', for: id }, input, label) : h('div', {}, h('label', { for: id }, label), input);
}

const number = (value, attrs = {}) => h('input', { type: 'number', value: value ?? '', inputmode: 'numeric', ...attrs });
const check = (value) => h('input', { type: 'checkbox', checked: Boolean(value) });
const text = (value, attrs = {}) => h('input', { type: 'text', value: value ?? '', ...attrs });

/** Inputs for a policy; read() returns only what is set, so a device inherits the rest. */
function policyInputs(policy) {
  const i = {
    automatic: check(policy.automatic),
    intervalHours: number(policy.intervalHours, { min: 1, step: 'any' }),
    staleAfterHours: number(policy.staleAfterHours, { min: 1, step: 'any' }),
    windowStart: text(policy.window?.start, { placeholder: '22:00', pattern: '[0-2][0-9]:[0-5][0-9]', size: 6 }),
    windowEnd: text(policy.window?.end, { placeholder: '06:00', pattern: '[0-2][0-9]:[0-5][0-9]', size: 6 }),
    requirePower: check(policy.conditions?.requirePower),
    requireUsbOrWifi: check(policy.conditions?.requireUsbOrWifi),
    skipInLowPowerMode: check(policy.conditions?.skipInLowPowerMode),
    minBatteryPercent: number(policy.conditions?.minBatteryPercent, { min: 0, max: 100 }),
    verifyAfterBackup: check(policy.verifyAfterBackup),
    wantEncryption: check(policy.wantEncryption),
  };
  const retention = Object.fromEntries(['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'].map((k) => [k, number(policy.retention?.[k], { min: -1 })]));
  const view = h(
    'div',
    {},
    field('Back up automatically', i.automatic),
    h('div', { class: 'row' }, field('Every (hours)', i.intervalHours), field('Alert when older than (hours)', i.staleAfterHours)),
    h('div', { class: 'row' }, field('Only between', i.windowStart), field('and', i.windowEnd)),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Only when'),
      field('charging or on power', i.requirePower),
      field('on USB or Wi-Fi (never cellular)', i.requireUsbOrWifi),
      field('not in Low Power Mode', i.skipInLowPowerMode),
      field('battery at least (%)', i.minBatteryPercent),
    ),
    field('Verify each new snapshot', i.verifyAfterBackup),
    field('Warn when backups are not encrypted', i.wantEncryption),
    h('fieldset', {}, h('legend', {}, 'Keep snapshots (-1: all)'), h('div', { class: 'row' }, Object.entries(retention).map(([k, input]) => field(k, input)))),
  );
  const read = () => {
    const out = { automatic: i.automatic.checked, verifyAfterBackup: i.verifyAfterBackup.checked, wantEncryption: i.wantEncryption.checked };
    const num = (input) => (input.value === '' ? undefined : Number(input.value));
    if (num(i.intervalHours) !== undefined) out.intervalHours = num(i.intervalHours);
    if (num(i.staleAfterHours) !== undefined) out.staleAfterHours = num(i.staleAfterHours);
    if (i.windowStart.value && i.windowEnd.value) out.window = { start: i.windowStart.value, end: i.windowEnd.value };
    out.conditions = { requirePower: i.requirePower.checked, requireUsbOrWifi: i.requireUsbOrWifi.checked, skipInLowPowerMode: i.skipInLowPowerMode.checked };
    if (num(i.minBatteryPercent) !== undefined) out.conditions.minBatteryPercent = num(i.minBatteryPercent);
    const r = Object.fromEntries(Object.entries(retention).filter(([, input]) => input.value !== '').map(([k, input]) => [k, Number(input.value)]));
    if (Object.keys(r).length > 0) out.retention = r;
    return out;
  };
  return { view, read };
}

function form(title, inner, onSave) {
  const slot = h('div');
  const f = h('form', { class: 'card' }, h('h2', {}, title), inner, h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Save')), slot);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    slot.replaceChildren();
    try {
      await onSave();
      say('Saved');
      refresh();
    } catch (error) {
      slot.append(errorBox(error));
    }
  });
  return f;
}

function alertsForm(alerts) {
  const desktop = check(alerts.desktop);
  const webhooks = h('textarea', { rows: 3, cols: 50, placeholder: 'https://example.com/hook (one per line)' }, alerts.webhooks.map((w) => w.url).join('\n'));
  const email = alerts.email ?? {};
  const host = text(email.host, { placeholder: 'smtp.example.com' });
  const port = number(email.port ?? 587);
  const from = text(email.from, { placeholder: 'lifeboat@example.com' });
  const to = text((email.to ?? []).join(', '), { placeholder: 'you@example.com' });
  const user = text(email.user);
  const passwordFile = text(email.passwordFile, { placeholder: '/path/to/smtp-password (file, mode 600)' });
  return form(
    'Notifications',
    h('div', {}, field('Desktop notifications', desktop), field('Webhooks', webhooks), h('fieldset', {}, h('legend', {}, 'E-mail (leave the server empty for none)'), h('div', { class: 'row' }, field('SMTP server', host), field('Port', port)), field('From', from), field('To (comma-separated)', to), field('User', user), field('Password file', passwordFile))),
    () =>
      post('/api/settings/alerts', {
        alerts: {
          desktop: desktop.checked,
          webhooks: webhooks.value.split('\n').map((u) => u.trim()).filter(Boolean).map((url) => ({ url })),
          ...(host.value
            ? { email: { host: host.value, port: Number(port.value), secure: Number(port.value) === 465, from: from.value, to: to.value.split(',').map((x) => x.trim()).filter(Boolean), ...(user.value ? { user: user.value } : {}), ...(passwordFile.value ? { passwordFile: passwordFile.value } : {}) } }
            : {}),
        },
      }),
  );
}

function remotesForm(remotes) {
  const name = text('', { placeholder: 'offsite' });
  const url = text('', { placeholder: 's3:https://s3.example.com/bucket/lifeboat', size: 40 });
  const passwordFile = text('', { placeholder: 'default: <config dir>/remotes/<name>.password' });
  const list = Object.entries(remotes).map(([n, r]) =>
    h('li', {}, h('strong', {}, n), ` — ${r.url} `, h('button', { type: 'button', onclick: async () => { await post(`/api/settings/remotes/${enc(n)}`, { remove: true }); refresh(); } }, `Remove ${n}`)),
  );
  return form(
    'Remote copies (restic repositories)',
    h('div', {}, list.length ? h('ul', {}, list) : h('p', { class: 'muted' }, 'No remotes yet.'), h('div', { class: 'row' }, field('Name', name), field('Repository', url)), field('Password file', passwordFile)),
    () => post(`/api/settings/remotes/${enc(name.value)}`, { remote: { url: url.value, ...(passwordFile.value ? { passwordFile: passwordFile.value } : {}) } }),
  );
}

export async function render() {
  const data = await api('/api/settings');
  const defaults = policyInputs(data.config.defaults);
  const section = h('section', { 'aria-labelledby': 'settings-title' });
  const devices = data.devices.map((d) => {
    const label = text(d.label ?? '', { placeholder: 'name to show' });
    const p = policyInputs({ ...d.overrides, conditions: { ...data.config.defaults.conditions, ...(d.overrides.conditions ?? {}) } });
    return form(
      `Device ${d.label ?? d.udid}`,
      h('div', {}, h('p', { class: 'muted small' }, `${d.udid} — empty fields follow the defaults`), field('Name', label), p.view),
      () => post(`/api/settings/devices/${enc(d.udid)}`, { settings: { ...p.read(), ...(label.value ? { label: label.value } : {}) } }),
    );
  });
  fill(
    section,
    h('h1', { id: 'settings-title' }, 'Settings'),
    h('p', { class: 'muted small' }, `Saved in ${data.configFile}`),
    await advisor(data),
    form('Backup policy for every device', defaults.view, () => post('/api/settings/defaults', { policy: defaults.read() })),
    devices,
    alertsForm(data.config.alerts),
    remotesForm(data.config.remotes),
  );
  return section;
}
