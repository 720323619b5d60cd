// Photos inside a backup: a grid newest first, with capture dates. Originals the browser can show
// (JPEG, PNG, GIF) are displayed from the backup; HEIC and videos get a tile that downloads the original,
// and photos whose original is not in the backup (iCloud Photos) say so. Why HEIC gets no picture:
// Chromium and Firefox cannot decode HEVC-coded images, and an iPhone's HEIC carries no JPEG preview —
// its thumbnail item is HEVC too — so anything shown would be a broken image.
import { absTime, api, fill, h } from '../app.js';

const PAGE = 120;

function tile(base, p) {
  const url = `${base}/file?domain=CameraRollDomain&path=${encodeURIComponent(p.relativePath)}`;
  const when = p.captured ? absTime(p.captured) : 'date unknown';
  let picture;
  if (!p.held) picture = h('div', { class: 'placeholder' }, 'In iCloud only — not in this backup');
  else if (/\.(jpe?g|png|gif)$/i.test(p.fileName)) picture = h('img', { src: url, alt: `Photo ${p.fileName}, ${when}`, loading: 'lazy', width: 140, height: 140 });
  else if (p.kind === 'video') picture = h('a', { class: 'placeholder video', href: url, download: '' }, `Video — download ${p.fileName}`);
  else picture = h('a', { class: 'placeholder heic', href: url, download: '', title: 'Browsers cannot show HEIC photos; the download is the original' }, h('strong', {}, 'HEIC photo'), h('span', {}, `download ${p.fileName}`));
  return h('li', { dataset: { path: p.relativePath } }, h('figure', {}, picture, h('figcaption', {}, h('time', { datetime: p.captured ?? '' }, when), p.favorite ? ' · favourite' : '')));
}

export async function renderPhotos(base) {
  const first = await api(`${base}/photos?limit=${PAGE}`);
  if (!first.held) return h('p', {}, 'This backup holds no Photos library.');
  const grid = h('ul', { class: 'photos', 'aria-label': 'Photos' }, first.photos.map((p) => tile(base, p)));
  const more = h('button', { type: 'button' }, 'Show more');
  const footer = h('p', {});
  let offset = first.photos.length;
  const update = () => fill(footer, `${offset} of ${first.total} shown. `, offset < first.total ? more : null);
  more.addEventListener('click', async () => {
    const next = await api(`${base}/photos?limit=${PAGE}&offset=${offset}`);
    grid.append(...next.photos.map((p) => tile(base, p)));
    offset += next.photos.length;
    update();
  });
  update();
  return h('div', {}, grid, footer);
}
