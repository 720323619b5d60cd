// Devices: one card per iPhone — what it is, whether it is backed up (green/amber/red against its
// policy), what happens next, and Back Up Now with live progress from the event stream.
import { absTime, api, bytes, deviceTitle, duration, errorText, fill, h, post, relTime, say } from '../app.js';

const HEALTH_TEXT = {
  green: 'Backed up',
  amber: 'Backup overdue',
  red: 'Not backed up',
};

function healthLine(d, now) {
  if (!d.lastSuccessAt) return h('p', {}, h('span', { class: 'badge red' }, 'Never backed up'));
  const age = relTime(d.lastSuccessAt, now);
  const why =
    d.health === 'green'
      ? `within its ${d.intervalHours} h plan`
      : d.health === 'amber'
        ? `older than its ${d.intervalHours} h plan`
        : `older than ${d.staleAfterHours} h: it is at risk`;
  return h(
    'p',
    { class: 'last-backup' },
    h('span', { class: `badge ${d.health}` }, HEALTH_TEXT[d.health]),
    ' ',
    h('strong', {}, age),
    h('br'),
    h('span', { class: 'muted small' }, `${absTime(d.lastSuccessAt)} · ${why}`),
  );
}

function nextRun(d, daemon, now) {
  if (!d.automatic) return 'Automatic backups are off for this iPhone';
  if (!daemon) return 'No daemon running: start `lifeboat daemon` for automatic backups';
  if (!d.daemon) return 'Not planned yet';
  if (d.daemon.state === 'running') return 'Running now';
  const waiting = d.daemon.waitingFor?.length ? ` — waiting for: ${d.daemon.waitingFor.join(', ')}` : '';
  return d.daemon.nextRunAt ? `${relTime(d.daemon.nextRunAt, now)} (${absTime(d.daemon.nextRunAt)})${waiting}` : `Not planned${waiting}`;
}

function connection(d) {
  if (!d.connected) return 'Not connected';
  const ways = d.connections.map((c) => (c === 'USB' ? 'USB cable' : c === 'Network' ? 'Wi-Fi' : c)).join(' + ');
  return d.trust === 'trusted' ? ways : `${ways} — ${d.trust === 'not-paired' ? 'not trusted yet' : d.trust}`;
}

function battery(d) {
  if (!d.battery) return '—';
  return `${d.battery.percent}%${d.battery.charging ? ', charging' : d.battery.externalPower ? ', on power' : ''}`;
}

/** The progress block of a card, updated in place from events. */
function progressView() {
  const bar = h('progress', { max: 100, 'aria-label': 'Backup progress' });
  const line = h('p', { class: 'small progress-text', 'aria-live': 'polite' });
  const box = h('div', { class: 'progress', hidden: true }, bar, line);
  return {
    box,
    show(job) {
      box.hidden = false;
      const p = job.progress;
      if (p && p.percent !== undefined && p.percent !== null) bar.value = p.percent;
      else bar.removeAttribute('value');
      const parts = [job.message ?? job.phase ?? 'starting'];
      if (p) {
        parts.push(`${bytes(p.bytes)}`, `${p.files} file${p.files === 1 ? '' : 's'}`, `${bytes(p.bytesPerSecond)}/s`);
        if (p.etaSeconds !== undefined && p.etaSeconds !== null) parts.push(`about ${duration(p.etaSeconds)} left`);
      }
      line.textContent = parts.join(' · ');
      line.dataset.state = job.state;
      if (job.state === 'done') {
        bar.value = 100;
        line.textContent = `Backup finished: snapshot ${job.snapshot ?? ''} saved${p ? ` (${bytes(p.bytes)}, ${p.files} files)` : ''}.`;
      } else if (job.state === 'failed') {
        line.textContent = `Backup failed: ${job.error?.message ?? 'unknown error'}${job.error?.hint ? ` — ${job.error.hint}` : ''}`;
        line.classList.add('error');
      }
    },
  };
}

function card(d, data, scope, reload) {
  const now = new Date(data.now).getTime();
  const progress = progressView();
  const running = d.job?.state === 'running' || d.daemon?.state === 'running';
  const button = h('button', { class: 'primary backup-now', type: 'button', disabled: !d.connected || d.trust !== 'trusted' || running }, running ? 'Backing up…' : 'Back Up Now');
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Backing up…';
    try {
      const result = await post(`/api/devices/${encodeURIComponent(d.udid)}/backup`);
      if (result.job) progress.show(result.job);
      say(`Backup of ${deviceTitle(d)} started`);
    } catch (error) {
      button.disabled = false;
      button.textContent = 'Back Up Now';
      say(errorText(error));
    }
  });
  // A finished job's result stays on the card for a while, then the card is clean again.
  if (d.job && (d.job.state === 'running' || Date.parse(d.job.endedAt) > Date.now() - 10 * 60_000)) progress.show(d.job);
  const same = (udid) => udid?.toUpperCase().replace(/-/g, '') === d.udid.toUpperCase().replace(/-/g, '');
  scope.on('job', (job) => {
    if (!same(job.udid) || job.kind !== 'backup') return;
    progress.show(job);
    if (job.state !== 'running') setTimeout(reload, 300);
  });
  scope.on('progress', ({ udid, event }) => {
    if (!same(udid)) return;
    progress.show({ state: 'running', ...(event.type === 'phase' ? { phase: event.phase, message: event.message } : { progress: event }) });
  });
  scope.on('run', (run) => {
    if (!same(run.udid) || run.result === 'running') return;
    progress.show({ state: run.result === 'success' ? 'done' : 'failed', snapshot: run.snapshotId, error: { message: run.error } });
    setTimeout(reload, 300);
  });
  return h(
    'article',
    { class: `card device health-${d.health}`, dataset: { udid: d.udid, health: d.health }, 'aria-labelledby': `t-${d.udid}` },
    h('header', {}, h('h2', { id: `t-${d.udid}` }, deviceTitle(d)), h('span', { class: 'muted small' }, d.model ?? '')),
    healthLine(d, now),
    d.problem ? h('p', { class: 'notice small' }, d.problem, d.hint ? h('br') : null, d.hint ?? null) : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'iOS'),
      h('dd', {}, d.productVersion ?? '?'),
      h('dt', {}, 'Connection'),
      h('dd', {}, connection(d)),
      h('dt', {}, 'Battery'),
      h('dd', {}, battery(d)),
      h('dt', {}, 'Next backup'),
      h('dd', { class: 'next-run' }, nextRun(d, data.daemon, now)),
      h('dt', {}, 'Encryption'),
      h('dd', {}, d.encryption === undefined ? '?' : d.encryption ? 'On' : 'Off — Health and passwords are left out'),
      h('dt', {}, 'In the vault'),
      h('dd', {}, `${bytes(d.vaultBytes)} in ${d.snapshots} snapshot${d.snapshots === 1 ? '' : 's'}`),
      d.phoneStorage ? h('dt', {}, 'iPhone storage') : null,
      d.phoneStorage ? h('dd', {}, `${bytes(d.phoneStorage.freeBytes)} free of ${bytes(d.phoneStorage.totalBytes)}`) : null,
      d.daemon?.lastError ? h('dt', {}, 'Last error') : null,
      d.daemon?.lastError ? h('dd', { class: 'error' }, d.daemon.lastError) : null,
    ),
    h(
      'div',
      { class: 'actions' },
      button,
      h('a', { class: 'button', href: `#/snapshots/${encodeURIComponent(d.udid)}` }, 'Snapshots'),
      d.lastSnapshot ? h('a', { class: 'button', href: `#/inside/${encodeURIComponent(d.udid)}/${d.lastSnapshot}` }, 'Look inside') : null,
    ),
    progress.box,
  );
}

export async function render(_args, scope) {
  const container = h('section', { 'aria-labelledby': 'devices-title' });
  let cards;
  const draw = async () => {
    const data = await api('/api/devices');
    if (!scope.alive) return;
    cards?.dispose();
    cards = scope.child();
    const reload = () => draw().catch((e) => say(errorText(e)));
    fill(
      container,
      h('h1', { id: 'devices-title' }, 'Devices'),
      data.problem ? h('p', { class: 'notice' }, data.problem) : null,
      data.devices.length === 0
        ? h('p', {}, 'No iPhone yet. Connect one with a cable, unlock it, and run `lifeboat pair`.')
        : h('div', { class: 'grid' }, data.devices.map((d) => card(d, data, cards, reload))),
    );
  };
  await draw();
  // Daemon status changes (attached, waiting, next run) redraw the cards; without a daemon the server
  // follows usbmuxd and says when a phone comes or goes ('devices'). Never while a backup's progress is
  // on screen; a slow refresh keeps relative times and the daemon's plan current.
  const idleRedraw = () => {
    if (!container.querySelector('.progress:not([hidden]) [data-state="running"]')) draw().catch(() => undefined);
  };
  scope.on('status', idleRedraw);
  scope.on('devices', idleRedraw);
  scope.every(30_000, idleRedraw);
  return container;
}
