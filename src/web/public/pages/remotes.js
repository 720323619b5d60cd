// Remote copies on the Snapshots page: for one device, every configured restic remote — its address,
// whether new snapshots go there automatically, the copies it holds — with Sync now (live progress from
// restic), Check, and restore of a copy to a folder or onto an iPhone (with the same warnings as a local
// restore). Remote passwords stay on the server; errors (unreachable, wrong password) read plainly.
import { absTime, api, bytes, deviceTitle, duration, errorBox, fill, h, post, relTime, say } from '../app.js';

const enc = encodeURIComponent;
const same = (a, b) => a?.toUpperCase().replace(/-/g, '') === b?.toUpperCase().replace(/-/g, '');

const KIND_TEXT = { 'remote-sync': 'Sync', 'remote-check': 'Check', 'remote-restore': 'Restore' };

/** A job's line for a remote card: phase, restic's numbers, and at the end its result in words. */
function jobLine(job) {
  const what = KIND_TEXT[job.kind] ?? job.kind;
  if (job.state === 'failed') return `${what} failed: ${job.error?.message ?? 'unknown error'}${job.error?.hint ? ` — ${job.error.hint}` : ''}`;
  if (job.state === 'done') {
    const r = job.result ?? {};
    if (job.kind === 'remote-sync') {
      const sent = r.uploaded?.length ?? 0;
      return `Sync finished: ${sent === 0 ? 'nothing new to send' : `${sent} snapshot${sent === 1 ? '' : 's'} sent (${bytes(r.bytesAdded)} new data)`}${r.forgotten?.length ? `, ${r.forgotten.length} old cop${r.forgotten.length === 1 ? 'y' : 'ies'} removed by retention` : ''}.`;
    }
    if (job.kind === 'remote-check') return r.ok ? `Check passed: the repository is sound${r.readData ? ' (every byte read back)' : ''}.` : `Check FOUND PROBLEMS: ${(r.problems ?? []).slice(0, 3).join(' / ')}`;
    if (r.out) return `Restored and checked (${r.filesChecked} files) into ${r.out}. Restore it to an iPhone with \`lifeboat restore --from ${r.out}\`.`;
    return 'Restore to the iPhone finished: it restarts now.';
  }
  const parts = [job.message ?? job.phase ?? 'starting'];
  const p = job.progress;
  if (p) {
    parts.push(`${Math.round(p.percent ?? 0)}%`, bytes(p.bytes), `${p.files} file${p.files === 1 ? '' : 's'}`, `${bytes(p.bytesPerSecond)}/s`);
    if (p.etaSeconds !== undefined && p.etaSeconds !== null) parts.push(`about ${duration(p.etaSeconds)} left`);
  }
  return parts.join(' · ');
}

function progressView() {
  const bar = h('progress', { max: 100, 'aria-label': 'Remote progress' });
  const line = h('p', { class: 'small remote-progress', 'aria-live': 'polite' });
  const box = h('div', { class: 'progress', hidden: true }, bar, line);
  return {
    box,
    show(job) {
      box.hidden = false;
      const percent = job.progress?.percent;
      if (job.state === 'done') bar.value = 100;
      else if (percent !== undefined && percent !== null) bar.value = percent;
      else bar.removeAttribute('value');
      line.textContent = jobLine(job);
      line.dataset.state = job.state;
      line.dataset.kind = job.kind;
      line.classList.toggle('error', job.state === 'failed' || (job.state === 'done' && job.result?.ok === false));
    },
  };
}

function restorePanel(udid, remote, copy, devices, started) {
  const panel = h('div', { class: 'card warning-box', role: 'region', 'aria-label': 'Restore from the remote' });
  const targets = devices.filter((d) => d.connected && d.trust === 'trusted');
  const toFolder = h('input', { type: 'radio', name: 'remote-restore-to', value: 'folder', checked: true });
  const toPhone = h('input', { type: 'radio', name: 'remote-restore-to', value: 'phone', disabled: targets.length === 0 });
  const folder = h('input', { type: 'text', id: 'remote-restore-out', placeholder: '/home/me/iphone-restored', autocomplete: 'off', size: 40 });
  const target = h('select', { id: 'remote-restore-target' }, targets.map((d) => h('option', { value: d.udid, selected: same(d.udid, udid) }, `${deviceTitle(d)} (${d.udid})`)));
  const understood = h('input', { type: 'checkbox', id: 'remote-restore-ok' });
  const password = h('input', { type: 'password', id: 'remote-restore-password', autocomplete: 'off' });
  const phoneWarnings = h(
    'div',
    { hidden: true },
    h(
      'ul',
      {},
      h('li', {}, h('strong', {}, 'Everything on the target iPhone is replaced'), ' by this copy from ', absTime(copy.time), '. Anything newer on it is lost.'),
      h('li', {}, 'Turn off Find My on the iPhone first (Settings → your name → Find My), or it refuses.'),
      h('li', {}, 'Keep it connected and unlocked; it restarts when done.'),
    ),
    h('label', { for: 'remote-restore-target' }, 'Restore to'),
    target,
    h('label', { class: 'inline' }, understood, 'I understand this replaces the data on that iPhone'),
  );
  const folderPart = h('div', {}, h('label', { for: 'remote-restore-out' }, 'New, empty folder on this computer'), folder, h('p', { class: 'small muted' }, 'The copy is downloaded, checked file by file against the digests recorded at backup time, and only then appears there.'));
  const switchTo = () => {
    phoneWarnings.hidden = !toPhone.checked;
    folderPart.hidden = toPhone.checked;
  };
  toFolder.addEventListener('change', switchTo);
  toPhone.addEventListener('change', switchTo);
  const go = h('button', { class: 'danger', type: 'button' }, 'Restore now');
  go.addEventListener('click', async () => {
    const body = { snapshot: copy.snapshot ?? copy.remoteId, ...(password.value ? { password: password.value } : {}) };
    if (toPhone.checked) {
      if (!understood.checked) return say('Tick the box to confirm you understand what a restore does.');
      Object.assign(body, { target: target.value, confirm: target.value });
    } else {
      if (!folder.value.trim()) return say('Give the folder to restore into.');
      body.out = folder.value.trim();
    }
    go.disabled = true;
    try {
      const { job } = await post(`/api/devices/${enc(udid)}/remotes/${enc(remote.name)}/restore`, body);
      password.value = '';
      started(job);
      panel.remove();
    } catch (error) {
      go.disabled = false;
      panel.append(errorBox(error));
    }
  });
  return fill(
    panel,
    h('h3', {}, `Restore the copy of ${absTime(copy.time)} from "${remote.name}"`),
    h('label', { class: 'inline' }, toFolder, 'To a folder on this computer'),
    h('label', { class: 'inline' }, toPhone, targets.length === 0 ? 'To an iPhone (connect and trust one first)' : 'To an iPhone'),
    folderPart,
    phoneWarnings,
    h('label', { for: 'remote-restore-password' }, 'Backup password, if the backup is encrypted (used once, never stored)'),
    password,
    h('div', { class: 'actions' }, go, h('button', { type: 'button', onclick: () => panel.remove() }, 'Cancel')),
  );
}

function remoteCard(udid, remote, devices, localIds, scope, redraw) {
  const progress = progressView();
  const slot = h('div');
  const buttons = [];
  const busy = (on) => buttons.forEach((b) => (b.disabled = on));
  const started = (job) => {
    progress.show(job);
    busy(true);
  };
  const action = (label, cls, path, body = {}) => {
    const b = h('button', { type: 'button', class: cls }, label);
    b.addEventListener('click', async () => {
      busy(true);
      try {
        started((await post(`/api/devices/${enc(udid)}/remotes/${enc(remote.name)}/${path}`, body)).job);
      } catch (error) {
        busy(false);
        slot.replaceChildren(errorBox(error));
      }
    });
    buttons.push(b);
    return b;
  };
  scope.on('job', (job) => {
    if (job.remote !== remote.name || !job.kind.startsWith('remote-')) return;
    // A restore onto another iPhone runs as that iPhone's job; it still belongs on this card.
    if (!same(job.udid, udid) && job.kind !== 'remote-restore') return;
    progress.show(job);
    if (job.state !== 'running') {
      busy(false);
      if (job.kind === 'remote-sync' && job.state === 'done') setTimeout(redraw, 300);
    }
  });
  const copies = remote.copies ?? [];
  return h(
    'article',
    { class: 'card remote', dataset: { remote: remote.name } },
    h('header', {}, h('h3', {}, remote.name), h('span', { class: `badge ${remote.automatic ? 'green' : 'info'}` }, remote.automatic ? 'Copied after each backup' : 'Synced by hand')),
    h('p', { class: 'small muted remote-url' }, h('code', {}, remote.url)),
    remote.error
      ? h('p', { class: 'error remote-error', role: 'alert' }, `Cannot read this remote: ${remote.error.message}`, remote.error.hint ? h('br') : null, remote.error.hint ?? '')
      : copies.length === 0
        ? h('p', { class: 'muted' }, 'No copy of this iPhone there yet: use Sync now.')
        : h(
            'ul',
            { class: 'remote-copies' },
            copies.map((c) =>
              h(
                'li',
                { dataset: { snapshot: c.snapshot ?? '', remoteId: c.remoteId } },
                h('strong', {}, absTime(c.time)),
                ' ',
                h('span', { class: 'muted small' }, `${relTime(c.time)} · `, h('code', {}, c.snapshot ?? c.shortId)),
                ' ',
                localIds.has(c.snapshot) ? h('span', { class: 'badge info' }, 'also in the vault') : h('span', { class: 'badge amber' }, 'only on the remote'),
                ' ',
                h('button', { type: 'button', class: 'restore-remote', onclick: () => slot.replaceChildren(restorePanel(udid, remote, c, devices, started)) }, 'Restore…'),
              ),
            ),
          ),
    h('div', { class: 'actions' }, action('Sync now', 'primary sync-now', 'sync'), action('Check', 'check-remote', 'check'), action('Check every byte', 'check-remote-data', 'check', { readData: true })),
    progress.box,
    slot,
  );
}

/** The "Remote copies" section; loads after the timeline (listing a remote can take seconds). */
export function remotesSection(udid, devices, scope) {
  const section = h('section', { class: 'remotes', 'aria-labelledby': 'remotes-title' }, h('h2', { id: 'remotes-title' }, 'Remote copies'), h('p', { class: 'muted' }, 'Asking the remotes what they hold…'));
  let cards;
  const draw = async () => {
    try {
      const data = await api(`/api/devices/${enc(udid)}/remotes`);
      if (!scope.alive) return;
      // The cards' event listeners live as long as the cards: a redraw ends the old ones.
      cards?.dispose();
      cards = scope.child();
      const mine = cards;
      const localIds = new Set([...document.querySelectorAll('li.snapshot[data-id]')].map((li) => li.dataset.id));
      section.dataset.loaded = 'true';
      if (data.remotes.length === 0) {
        fill(section, h('h2', { id: 'remotes-title' }, 'Remote copies'), h('p', { class: 'muted' }, 'No remote is configured. Add one on the Settings page or with `lifeboat remote add NAME URL`, so a fire or theft does not take the backups with the computer.'));
        return;
      }
      fill(section, h('h2', { id: 'remotes-title' }, 'Remote copies'), h('div', { class: 'grid' }, data.remotes.map((r) => remoteCard(udid, r, devices, localIds, mine, () => draw()))));
      for (const li of document.querySelectorAll('li.snapshot[data-id]')) {
        const on = data.remotes.filter((r) => r.copies?.some((c) => c.snapshot === li.dataset.id)).map((r) => r.name);
        li.querySelector('.on-remotes')?.remove();
        if (on.length > 0) li.querySelector('p')?.append(' ', h('span', { class: 'badge green on-remotes' }, `On ${on.join(', ')}`));
      }
    } catch (error) {
      fill(section, h('h2', { id: 'remotes-title' }, 'Remote copies'), errorBox(error));
    }
  };
  draw();
  // The daemon copies each new snapshot to the policy's remotes right after the backup: show them.
  scope.on('run', (run) => {
    if (same(run.udid, udid) && run.result !== 'running') draw();
  });
  return section;
}
