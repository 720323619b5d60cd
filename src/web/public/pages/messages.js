// Messages inside a backup: the conversation list and one conversation as bubbles, with attachments
// (images shown from the backup, other files as downloads).
import { absTime, api, bytes, h } from '../app.js';

const IMAGE = /\.(jpe?g|png|gif|webp)$/i;

function attachment(base, a) {
  if (!a.held || !a.relativePath) return h('div', { class: 'small' }, `Attachment ${a.name} (not in this backup)`);
  const url = `${base}/file?domain=MediaDomain&path=${encodeURIComponent(a.relativePath)}`;
  if (IMAGE.test(a.relativePath)) return h('a', { href: url, target: '_blank', rel: 'noopener' }, h('img', { src: url, alt: a.name, loading: 'lazy' }));
  return h('div', { class: 'small' }, 'Attachment: ', h('a', { href: url, download: '' }, a.name), ` (${bytes(a.bytes)})`);
}

function bubble(base, m) {
  const text = m.unsent ? 'This message was unsent.' : m.text.replace(/\uFFFC/g, '').trim();
  if (m.reaction) {
    return h('div', { class: `msg small ${m.fromMe ? 'me' : ''}` }, `${m.senderName} ${m.reaction.removed ? 'removed a reaction' : m.reaction.verb.toLowerCase()} a message`);
  }
  return h(
    'div',
    { class: `msg ${m.fromMe ? 'me' : ''}`, dataset: { guid: m.guid } },
    h('div', { class: 'meta' }, `${m.senderName} · ${absTime(m.date)}${m.edits ? ' · edited' : ''}`),
    text ? h('div', { class: 'text' }, text) : null,
    m.attachments.map((a) => attachment(base, a)),
  );
}

export async function renderMessages(base, chatId, hashFor) {
  const { chats, held } = await api(`${base}/messages`);
  if (!held) return h('p', {}, 'This backup holds no messages.');
  const title = (c) => c.displayName || c.names.join(', ') || c.identifier;
  const chosen = chats.find((c) => String(c.id) === chatId) ?? chats[0];
  const list = h(
    'ul',
    { class: 'chat-list', 'aria-label': 'Conversations' },
    chats.map((c) => h('li', {}, h('a', { href: hashFor(c.id), 'aria-current': c === chosen ? 'true' : undefined, dataset: { chat: c.guid } }, h('strong', {}, title(c)), h('br'), h('span', { class: 'muted small' }, `${c.messageCount} messages · ${c.service}`)))),
  );
  if (!chosen) return list;
  const { messages, total } = await api(`${base}/messages/${chosen.id}`);
  const thread = h(
    'div',
    { class: 'thread', role: 'log', 'aria-label': `Conversation with ${title(chosen)}`, tabindex: '0', dataset: { chat: chosen.guid } },
    total > messages.length ? h('p', { class: 'muted small' }, `The last ${messages.length} of ${total} messages; download all from the Download tab.`) : null,
    messages.map((m) => bubble(base, m)),
  );
  setTimeout(() => (thread.scrollTop = thread.scrollHeight), 0);
  return h('div', { class: 'split' }, list, thread);
}
