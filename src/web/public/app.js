// Lifeboat dashboard: the shell — DOM helper, API client, event stream, hash router. Pages live in
// pages/*.js; each exports render(main, args, scope). Everything the phone sent is untrusted, so text
// only ever enters the page through textContent (h() below), never as HTML.

/** h('p', {class: 'x', onclick: fn}, 'text', child) → element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Replaces el's children (null/false children are skipped, as in h()). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.hint = body?.error?.hint ?? undefined;
  }
}

/** JSON API call; the HttpOnly cookie carries the token, same-origin. */
export async function api(path, options = {}) {
  const init = { method: options.method ?? 'GET', credentials: 'same-origin', headers: {} };
  if (options.body !== undefined) {
    init.method = options.method ?? 'POST';
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export const post = (path, body = {}) => api(path, { method: 'POST', body });

export function errorText(error) {
  return error instanceof ApiError && error.hint ? `${error.message} — ${error.hint}` : String(error?.message ?? error);
}

export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, errorText(error));
}

export function say(text) {
  const status = document.getElementById('status');
  status.textContent = text;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => (status.textContent = ''), 5000);
}

export function bytes(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

export function absTime(iso) {
  if (!iso) return '?';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function relTime(iso, now = Date.now()) {
  if (!iso) return 'never';
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const steps = [
    [60, 'second'],
    [3600, 'minute', 60],
    [86400, 'hour', 3600],
    [86400 * 30, 'day', 86400],
    [86400 * 365, 'month', 86400 * 30],
    [Infinity, 'year', 86400 * 365],
  ];
  for (const [limit, unit, div = 1] of steps) if (Math.abs(seconds) < limit) return rtf.format(Math.round(seconds / div), unit);
  return absTime(iso);
}

export function duration(seconds) {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function deviceTitle(d) {
  return d.label ?? d.name ?? d.deviceName ?? d.udid;
}

// One event stream for the whole page; pages subscribe through their scope.
const listeners = new Map();
let source;
function connectEvents() {
  source = new EventSource('/api/events');
  for (const type of ['hello', 'job', 'status', 'progress', 'run', 'alert', 'devices']) {
    source.addEventListener(type, (e) => {
      const data = JSON.parse(e.data);
      for (const fn of listeners.get(type) ?? []) fn(data);
    });
  }
}

class Scope {
  constructor() {
    this.alive = true;
    this.cleanups = [];
  }
  on(type, fn) {
    if (!listeners.has(type)) listeners.set(type, new Set());
    listeners.get(type).add(fn);
    this.cleanups.push(() => listeners.get(type).delete(fn));
  }
  /** Runs fn every `ms` while the scope lives. */
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    this.cleanups.push(() => clearInterval(timer));
  }
  /** A scope that ends with this one, or earlier by its own dispose() (a redrawn part of a page). */
  child() {
    const c = new Scope();
    this.cleanups.push(() => c.dispose());
    return c;
  }
  dispose() {
    this.alive = false;
    for (const c of this.cleanups) c();
  }
}

const pages = {
  devices: () => import('./pages/devices.js'),
  snapshots: () => import('./pages/snapshots.js'),
  inside: () => import('./pages/inside.js'),
  doctor: () => import('./pages/doctor.js'),
  settings: () => import('./pages/settings.js'),
};

let scope;
async function route() {
  const [name = 'devices', ...args] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const page = pages[name] ? name : 'devices';
  for (const a of document.querySelectorAll('.top nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  scope?.dispose();
  scope = new Scope();
  const main = document.getElementById('main');
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const module = await pages[page]();
    const mine = scope;
    const content = await module.render(args.map((a) => a || undefined), mine);
    if (mine.alive) main.replaceChildren(content);
  } catch (error) {
    main.replaceChildren(errorBox(error));
  }
  document.title = `Lifeboat — ${document.querySelector('.top nav a[aria-current]')?.textContent ?? ''}`;
}

/** Re-render the current page (after a change). */
export function refresh() {
  return route();
}

export function go(hash) {
  if (location.hash === hash) return route();
  location.hash = hash;
}

window.addEventListener('hashchange', () => {
  route().then(() => document.getElementById('main').focus({ preventScroll: true }));
});
connectEvents();
route();
