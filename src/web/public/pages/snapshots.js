// Snapshots: the timeline of one device's backups — size, new bytes, verified state — with verify,
// forget (always previewed first), restore to a phone (with plain warnings) and a way inside.
import { absTime, api, bytes, deviceTitle, errorBox, errorText, fill, go, h, post, relTime, say } from '../app.js';
import { remotesSection } from './remotes.js';

export function devicePicker(devices, current, hashFor) {
  if (devices.length < 2) return null;
  const select = h(
    'select',
    { id: 'device-pick', 'aria-label': 'Device' },
    devices.map((d) => h('option', { value: d.udid, selected: d.udid === current }, deviceTitle(d))),
  );
  select.addEventListener('change', () => go(hashFor(select.value)));
  return h('p', {}, h('label', { class: 'inline', for: 'device-pick' }, 'Device ', select));
}

function verifiedBadge(s) {
  if (!s.verifiedAt) return h('span', { class: 'badge info' }, 'Not verified');
  return s.verifiedOk
    ? h('span', { class: 'badge green', title: absTime(s.verifiedAt) }, `Verified ${relTime(s.verifiedAt)}`)
    : h('span', { class: 'badge red', title: absTime(s.verifiedAt) }, 'Verification FAILED');
}

const enc = encodeURIComponent;

function forgetPanel(udid, snapshot, done) {
  const panel = h('div', { class: 'card warning-box', role: 'region', 'aria-label': 'Forget' });
  const preview = async () => {
    const body = snapshot ? { snapshot: snapshot.id, dryRun: true } : { dryRun: true };
    const { plan } = await post(`/api/devices/${enc(udid)}/forget`, body);
    const cancel = h('button', { type: 'button', onclick: () => panel.remove() }, 'Cancel');
    const confirm = h('button', { class: 'danger', type: 'button', disabled: plan.forget.length === 0 }, `Forget ${plan.forget.length} snapshot${plan.forget.length === 1 ? '' : 's'} permanently`);
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      try {
        const result = await post(`/api/devices/${enc(udid)}/forget`, { ...body, dryRun: false, expect: plan.forget });
        say(`Forgot ${result.removed.length} snapshot(s)`);
        done();
      } catch (error) {
        panel.append(errorBox(error));
      }
    });
    fill(
      panel,
      h('h3', {}, snapshot ? 'Forget this snapshot?' : 'Apply the retention policy?'),
      h('p', {}, plan.forget.length === 0 ? 'Nothing would be removed.' : 'These snapshots would be removed for good (the others keep every file they share):'),
      h('ul', { class: 'forget-list' }, plan.forget.map((id) => h('li', {}, h('code', {}, id)))),
      h('p', { class: 'small muted' }, `${plan.keep.length} snapshot(s) stay.`),
      h('div', { class: 'actions' }, confirm, cancel),
    );
    confirm.focus();
  };
  preview().catch((error) => panel.append(errorBox(error)));
  return panel;
}

function restorePanel(snapshot, devices, done) {
  const targets = devices.filter((d) => d.connected && d.trust === 'trusted');
  const panel = h('div', { class: 'card warning-box', role: 'region', 'aria-label': 'Restore' });
  if (targets.length === 0) {
    return fill(panel, h('p', {}, 'Connect and trust the iPhone to restore to first.'), h('button', { type: 'button', onclick: () => panel.remove() }, 'Close'));
  }
  const select = h('select', { id: 'restore-target' }, targets.map((d) => h('option', { value: d.udid, selected: d.udid === snapshot.udid }, `${deviceTitle(d)} (${d.udid})`)));
  const understood = h('input', { type: 'checkbox', id: 'restore-ok' });
  const password = snapshot.encrypted ? h('input', { type: 'password', id: 'restore-password', autocomplete: 'off' }) : null;
  const go = h('button', { class: 'danger', type: 'button' }, 'Restore now');
  go.addEventListener('click', async () => {
    if (!understood.checked) return say('Tick the box to confirm you understand what a restore does.');
    go.disabled = true;
    try {
      await post(`/api/devices/${enc(snapshot.udid)}/snapshots/${enc(snapshot.id)}/restore`, {
        target: select.value,
        confirm: select.value,
        ...(password ? { password: password.value } : {}),
      });
      if (password) password.value = '';
      say('Restore started: keep the iPhone connected and unlocked until it restarts.');
      done();
    } catch (error) {
      go.disabled = false;
      panel.append(errorBox(error));
    }
  });
  return fill(
    panel,
    h('h3', {}, 'Restore this snapshot to an iPhone'),
    h(
      'ul',
      {},
      h('li', {}, h('strong', {}, 'Everything on the target iPhone is replaced'), ' by this backup from ', absTime(snapshot.time), '. Anything newer on it is lost.'),
      h('li', {}, 'Turn off Find My on the iPhone first (Settings → your name → Find My), or it refuses.'),
      h('li', {}, 'Keep it connected and unlocked; it restarts when done.'),
    ),
    h('label', { for: 'restore-target' }, 'Restore to'),
    select,
    password ? h('label', { for: 'restore-password' }, 'Backup password (used once, never stored)') : null,
    password,
    h('label', { class: 'inline' }, understood, 'I understand this replaces the data on that iPhone'),
    h('div', { class: 'actions' }, go, h('button', { type: 'button', onclick: () => panel.remove() }, 'Cancel')),
  );
}

function row(s, udid, devices, redraw) {
  const slot = h('div');
  const verify = h('button', { type: 'button', class: 'verify' }, 'Verify');
  verify.addEventListener('click', async () => {
    verify.disabled = true;
    verify.textContent = 'Verifying…';
    try {
      const report = await post(`/api/devices/${enc(udid)}/snapshots/${enc(s.id)}/verify`);
      say(report.ok ? `Snapshot verified: ${report.filesChecked} files intact` : `${report.problems.length} problem(s) found`);
      redraw();
    } catch (error) {
      verify.disabled = false;
      verify.textContent = 'Verify';
      slot.replaceChildren(errorBox(error));
    }
  });
  return h(
    'li',
    { class: 'card snapshot', dataset: { id: s.id } },
    h('header', {}, h('h2', {}, absTime(s.time)), h('span', { class: 'muted small' }, relTime(s.time))),
    h(
      'p',
      {},
      verifiedBadge(s),
      ' ',
      h('span', { class: `badge ${s.encrypted ? 'green' : 'amber'}` }, s.encrypted ? 'Encrypted' : 'Not encrypted'),
      ' ',
      h('span', { class: 'badge info' }, s.full ? 'Full' : 'Incremental'),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Size'),
      h('dd', {}, `${bytes(s.logicalBytes)} in ${s.files ?? '?'} files`),
      h('dt', {}, 'New in this one'),
      h('dd', { class: 'new-bytes' }, bytes(s.newBytes)),
      h('dt', {}, 'iOS'),
      h('dd', {}, s.productVersion ?? '?'),
      h('dt', {}, 'Id'),
      h('dd', {}, h('code', {}, s.id)),
    ),
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button', href: `#/inside/${enc(udid)}/${enc(s.id)}` }, 'Look inside'),
      verify,
      h('button', { type: 'button', onclick: () => slot.replaceChildren(restorePanel(s, devices, redraw)) }, 'Restore…'),
      h('button', { type: 'button', onclick: () => slot.replaceChildren(forgetPanel(udid, s, redraw)) }, 'Forget…'),
    ),
    slot,
  );
}

export async function render(args, scope) {
  const { devices } = await api('/api/devices');
  const withSnapshots = devices.filter((d) => d.snapshots > 0);
  const udid = args[0] ?? withSnapshots[0]?.udid ?? devices[0]?.udid;
  const section = h('section', { 'aria-labelledby': 'snap-title' });
  if (!udid) return fill(section, h('h1', { id: 'snap-title' }, 'Snapshots'), h('p', {}, 'No device has been backed up yet.'));
  const device = devices.find((d) => d.udid === udid) ?? { udid };
  const timeline = h('div');
  const draw = async () => {
    const data = await api(`/api/devices/${enc(udid)}/snapshots`);
    if (!scope.alive) return;
    const slot = h('div');
    const retention = Object.entries(data.retention).map(([k, v]) => `${k} ${v}`).join(', ');
    fill(
      timeline,
      h('h1', { id: 'snap-title' }, `Snapshots of ${deviceTitle(device)}`),
      devicePicker(devices, udid, (u) => `#/snapshots/${enc(u)}`),
      h(
        'p',
        { class: 'muted' },
        `${data.snapshots.length} snapshot(s). Retention: ${retention || 'none'}. `,
        h('button', { type: 'button', onclick: () => slot.replaceChildren(forgetPanel(udid, undefined, () => draw().catch((e) => say(errorText(e))))) }, 'Apply retention…'),
      ),
      slot,
      data.snapshots.length === 0 ? h('p', {}, 'No snapshots yet: use Back Up Now on the Devices page.') : h('ol', { class: 'timeline', reversed: true }, data.snapshots.map((s) => row(s, udid, devices, () => draw().catch((e) => say(errorText(e)))))),
    );
  };
  await draw();
  fill(section, timeline, remotesSection(udid, devices, scope));
  scope.on('job', (job) => {
    if (job.udid === udid && job.state !== 'running' && !job.kind.startsWith('remote-')) draw().catch(() => undefined);
  });
  scope.on('run', (run) => {
    if (run.udid === udid && run.result !== 'running') draw().catch(() => undefined);
  });
  return section;
}
