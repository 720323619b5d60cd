// Inside a backup: counts per data type, conversations, photos, contacts, calendars, notes, calls,
// the coverage report and downloads — read from a snapshot in the vault, no phone needed.
import { absTime, api, ApiError, bytes, deviceTitle, errorBox, fill, go, h, post } from '../app.js';
import { devicePicker } from './snapshots.js';
import { renderMessages } from './messages.js';
import { renderPhotos } from './photos.js';

const enc = encodeURIComponent;
const TABS = [
  ['summary', 'Summary'],
  ['messages', 'Messages'],
  ['photos', 'Photos'],
  ['contacts', 'Contacts'],
  ['calendars', 'Calendars'],
  ['notes', 'Notes'],
  ['calls', 'Calls'],
  ['coverage', 'What is not in it'],
  ['export', 'Download'],
];

const EXPORTS = {
  messages: ['html', 'csv', 'json'],
  photos: ['original'],
  contacts: ['vcf', 'vcf4', 'csv'],
  calendars: ['ics', 'csv'],
  notes: ['html', 'md', 'txt'],
  calls: ['csv'],
  safari: ['csv', 'html'],
  health: ['csv'],
  wifi: ['csv', 'json'],
  apps: ['csv', 'json'],
  device: ['json'],
};

function table(headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

const n = (v) => (v === undefined || v === null ? '—' : Number(v).toLocaleString());

async function summary(base) {
  const s = await api(`${base}/summary`);
  const rows = [
    ['Messages', s.messages ? `${n(s.messages.messages)} in ${n(s.messages.chats)} conversations, ${n(s.messages.attachments)} attachments` : 'not in this backup'],
    ['Photos', s.photos ? `${n(s.photos.photos)} photos, ${n(s.photos.videos)} videos, ${n(s.photos.albums)} albums (${n(s.originalsInBackup)} originals held)` : 'not in this backup'],
    ['Contacts', n(s.contacts)],
    ['Calendar events', n(s.calendarEvents)],
    ['Notes', n(s.notes)],
    ['Calls', n(s.calls)],
    ['Safari', s.safari ? `${n(s.safari.history)} pages of history, ${n(s.safari.bookmarks)} bookmarks` : '—'],
    ['Health', s.health ? `${n(s.health.samples)} samples` : 'not in this backup (only encrypted backups carry Health)'],
    ['Wi-Fi networks', n(s.wifiNetworks)],
    ['Apps', n(s.apps)],
    ['Files', `${n(s.files.total)} in ${n(s.files.domains)} domains`],
  ];
  return h(
    'div',
    {},
    h('p', { class: 'muted' }, `${s.device.name ?? ''} · ${s.device.productName ?? s.device.model ?? ''} · iOS ${s.device.iosVersion ?? '?'} · backed up ${absTime(s.device.backupDate)} · ${s.device.encrypted ? 'encrypted' : 'not encrypted'}`),
    table(['Data', 'In this backup'], rows),
  );
}

async function contacts(base) {
  const { contacts, held, truncated } = await api(`${base}/contacts`);
  if (!held) return h('p', {}, 'This backup holds no contacts.');
  return h('div', {}, truncated ? h('p', { class: 'muted' }, 'Showing the first 2,000.') : null, table(['Name', 'Phone', 'E-mail', 'Organisation'], contacts.map((c) => [c.name, c.phones.map((p) => p.value).join(', '), c.emails.map((e) => e.value).join(', '), c.organization ?? ''])));
}

async function calendars(base) {
  const { events, held } = await api(`${base}/calendars`);
  if (!held) return h('p', {}, 'This backup holds no calendars.');
  return table(['When', 'Title', 'Calendar', 'Where'], events.map((e) => [e.allDay ? new Date(e.start).toLocaleDateString() : absTime(e.start), e.title, e.calendar, e.location ?? '']));
}

async function notes(base) {
  const { notes, held } = await api(`${base}/notes`);
  if (!held) return h('p', {}, 'This backup holds no notes.');
  return h('div', { class: 'grid' }, notes.map((x) => h('article', { class: 'card' }, h('h2', {}, x.title || 'Untitled'), h('p', { class: 'muted small' }, `${x.folder} · ${absTime(x.modified)}`), x.locked ? h('p', {}, 'Locked note (its password is needed)') : h('p', { class: 'note-text' }, (x.text ?? '').slice(0, 600)))));
}

async function calls(base) {
  const { calls, held } = await api(`${base}/calls`);
  if (!held) return h('p', {}, 'This backup holds no call history.');
  const dur = (s) => (s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);
  return table(['When', 'Who', 'Type', 'Duration'], calls.map((c) => [absTime(c.date), c.name ? `${c.name} (${c.address})` : c.address, `${c.outgoing ? 'Outgoing' : c.answered ? 'Incoming' : 'Missed'} ${c.kind}`, dur(c.durationSeconds)]));
}

async function coverage(base) {
  const c = await api(`${base}/coverage`);
  return h(
    'div',
    {},
    h('h2', {}, 'What this backup holds'),
    h('ul', {}, c.held.map((x) => h('li', {}, x))),
    h('h2', {}, 'What it does not hold'),
    c.gaps.map((g) => h('article', { class: 'card gap', dataset: { gap: g.id } }, h('h3', {}, g.what), h('p', {}, g.why), g.fix ? h('p', {}, h('strong', {}, 'What to do: '), g.fix) : null)),
  );
}

function exports(base) {
  return h(
    'div',
    {},
    h('p', {}, 'Each download is a .tar.gz folder that opens on any computer. Photos come as their original files.'),
    table(['Data', 'Formats'], Object.entries(EXPORTS).map(([type, formats]) => [type, h('span', { class: 'actions' }, formats.map((f) => h('a', { class: 'button', href: `${base}/export?type=${type}&format=${f}`, download: '' }, f.toUpperCase())))])),
  );
}

function unlockForm(base, retry) {
  const input = h('input', { type: 'password', id: 'backup-password', autocomplete: 'off', required: true });
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'This backup is encrypted'),
    h('p', {}, 'Enter its password to look inside. It is used once to unlock the backup and never stored or sent back.'),
    h('label', { for: 'backup-password' }, 'Backup password'),
    input,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Unlock')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const password = input.value;
    input.value = '';
    try {
      await post(`${base}/unlock`, { password });
      retry();
    } catch (error) {
      form.append(errorBox(error));
    }
  });
  setTimeout(() => input.focus(), 0);
  return form;
}

export async function render(args, scope) {
  const { devices } = await api('/api/devices');
  const udid = args[0] ?? devices.find((d) => d.lastSnapshot)?.udid;
  const section = h('section', { 'aria-labelledby': 'inside-title' });
  if (!udid) return fill(section, h('h1', { id: 'inside-title' }, 'Inside a backup'), h('p', {}, 'No backups yet.'));
  const { snapshots } = await api(`/api/devices/${enc(udid)}/snapshots`);
  const id = args[1] ?? snapshots[0]?.id;
  const tab = TABS.some(([t]) => t === args[2]) ? args[2] : 'summary';
  const device = devices.find((d) => d.udid === udid) ?? { udid };
  if (!id) return fill(section, h('h1', { id: 'inside-title' }, 'Inside a backup'), h('p', {}, `${deviceTitle(device)} has no snapshots yet.`));
  const base = `/api/devices/${enc(udid)}/snapshots/${enc(id)}`;
  const hashFor = (t, extra) => `#/inside/${enc(udid)}/${enc(id)}/${t}${extra ? `/${enc(extra)}` : ''}`;
  const snapshotSelect = h('select', { id: 'snapshot-pick', 'aria-label': 'Snapshot' }, snapshots.map((s) => h('option', { value: s.id, selected: s.id === id }, `${absTime(s.time)} — ${bytes(s.logicalBytes)}`)));
  snapshotSelect.addEventListener('change', () => go(`#/inside/${enc(udid)}/${enc(snapshotSelect.value)}/${tab}`));
  const body = h('div', { class: 'tab-body' });
  const load = async () => {
    fill(body, h('p', { class: 'muted' }, 'Reading the backup…'));
    try {
      const content =
        tab === 'messages' ? await renderMessages(base, args[3], (chat) => hashFor('messages', chat))
        : tab === 'photos' ? await renderPhotos(base)
        : tab === 'contacts' ? await contacts(base)
        : tab === 'calendars' ? await calendars(base)
        : tab === 'notes' ? await notes(base)
        : tab === 'calls' ? await calls(base)
        : tab === 'coverage' ? await coverage(base)
        : tab === 'export' ? exports(base)
        : await summary(base);
      if (scope.alive) fill(body, content);
    } catch (error) {
      if (!scope.alive) return;
      if (error instanceof ApiError && error.status === 423) fill(body, unlockForm(base, load));
      else fill(body, errorBox(error));
    }
  };
  fill(
    section,
    h('h1', { id: 'inside-title' }, `Inside a backup of ${deviceTitle(device)}`),
    devicePicker(devices.filter((d) => d.snapshots > 0), udid, (u) => `#/inside/${enc(u)}`),
    h('p', {}, h('label', { class: 'inline', for: 'snapshot-pick' }, 'Snapshot ', snapshotSelect)),
    h('nav', { class: 'tabs', 'aria-label': 'Data types' }, TABS.map(([t, label]) => h('a', { href: hashFor(t), 'aria-current': t === tab ? 'page' : undefined }, label))),
    body,
  );
  await load();
  return section;
}
