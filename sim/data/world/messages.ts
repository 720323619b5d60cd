/**
 * Conversations: chats, their participants and every message, as Messages would have stored them.
 *
 * Nouns: a *chat* is a one-to-one conversation with a contact (style 45), a group (style 43) or an SMS
 * short code; a *message* is numbered 0…M-1 in time order. A message's date, chat, direction and
 * whether it carries attachment i are pure functions of its number, so the attachment files in
 * MediaDomain can be listed without generating the conversations. The rest (text, tapbacks aimed at an
 * earlier message, edit histories, unsends) needs per-chat history and comes from messageStream().
 */
import { GROUP_NAMES, MESSAGE_PHRASES } from '../names.js';
import { pointHash, pointUnit, pointUuid } from '../prng.js';
import type { WorldContext } from './context.js';
import { contactAt } from './people.js';

export type Service = 'iMessage' | 'SMS';

export interface ChatDef {
  readonly index: number;
  readonly guid: string;
  readonly identifier: string;
  readonly style: 43 | 45;
  readonly service: Service;
  readonly displayName?: string;
  readonly roomName?: string;
  /** Handle ids (E.164 numbers, e-mail addresses or a short code). */
  readonly participants: readonly string[];
  readonly shortCode: boolean;
}

export interface MessageDef {
  readonly index: number;
  readonly guid: string;
  readonly chat: number;
  readonly date: number;
  /** Sub-millisecond part of message.date, 0…999,999 ns. */
  readonly nanos: number;
  readonly fromMe: boolean;
  readonly sender: string;
  readonly service: Service;
  /** The current text; null once unsent. */
  readonly text: string | null;
  readonly edits?: readonly { readonly text: string; readonly date: number }[];
  readonly unsent?: { readonly date: number; readonly originalLength: number };
  readonly reaction?: { readonly type: number; readonly targetGuid: string; readonly targetLength: number };
  readonly attachments: readonly number[];
}

const SPAN_MS = 400 * 86_400_000;
export const SHORT_CODE = '262966';
export const OBJECT_REPLACEMENT = '\uFFFC';
const REACTION_VERBS = ['Loved', 'Liked', 'Disliked', 'Laughed at', 'Emphasized', 'Questioned'] as const;

export function chatDefs(ctx: WorldContext): ChatDef[] {
  const count = Math.max(3, ctx.plan.chats);
  const groups = Math.max(1, Math.round(count * 0.2));
  const oneToOne = count - groups - 1;
  const chats: ChatDef[] = [];
  for (let j = 0; j < oneToOne; j++) {
    const c = contactAt(ctx, j % Math.max(1, ctx.plan.contacts));
    const service: Service = pointUnit(ctx.key, j, 201) < 0.8 ? 'iMessage' : 'SMS';
    const email = c.emails[0]?.address;
    const id = service === 'iMessage' && email && pointUnit(ctx.key, j, 202) < 0.2 ? email : (c.phones[0]?.e164 ?? '+12065550100');
    chats.push({ index: j, guid: `${service};-;${id}`, identifier: id, style: 45, service, participants: [id], shortCode: false });
  }
  for (let g = 0; g < groups; g++) {
    const index = oneToOne + g;
    const size = 2 + (pointHash(ctx.key, g, 203) % 3);
    const members = new Set<string>();
    for (let k = 0; members.size < size && k < 20; k++) {
      const c = contactAt(ctx, pointHash(ctx.key, g * 31 + k, 204) % Math.max(1, ctx.plan.contacts));
      members.add(c.phones[0]?.e164 ?? '+12065550100');
    }
    const room = `chat${String(pointHash(ctx.key, g, 205)).padStart(10, '0')}${String(pointHash(ctx.key, g, 206) % 100_000_000).padStart(8, '0')}`;
    const name = g < GROUP_NAMES.length && pointUnit(ctx.key, g, 207) < 0.8 ? GROUP_NAMES[g] : undefined;
    chats.push({
      index,
      guid: `iMessage;+;${room}`,
      identifier: room,
      style: 43,
      service: 'iMessage',
      ...(name === undefined ? {} : { displayName: name }),
      roomName: room,
      participants: [...members],
      shortCode: false,
    });
  }
  chats.push({ index: count - 1, guid: `SMS;-;${SHORT_CODE}`, identifier: SHORT_CODE, style: 45, service: 'SMS', participants: [SHORT_CODE], shortCode: true });
  return chats;
}

/** Cumulative chat weights (Zipf-like: a few chats get most messages; the short code very few). */
function weights(count: number): number[] {
  const w: number[] = [];
  let sum = 0;
  for (let j = 0; j < count; j++) {
    sum += j === count - 1 ? 0.15 : 1 / (j + 1) ** 0.8;
    w.push(sum);
  }
  return w.map((x) => x / sum);
}

const weightCache = new Map<number, number[]>();

export function chatOf(ctx: WorldContext, m: number, chatCount: number): number {
  let cumulative = weightCache.get(chatCount);
  if (!cumulative) {
    cumulative = weights(chatCount);
    weightCache.set(chatCount, cumulative);
  }
  const u = pointUnit(ctx.key, m, 210);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 1) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function messageDate(ctx: WorldContext, m: number): number {
  const M = Math.max(1, ctx.plan.messages);
  const step = SPAN_MS / M;
  return Math.round(ctx.now - SPAN_MS + (m + 0.05 + 0.9 * pointUnit(ctx.key, m, 211)) * step);
}

export function isFromMe(ctx: WorldContext, m: number): boolean {
  return pointUnit(ctx.key, m, 212) < 0.45;
}

/** The message that carries attachment i (attachments are spread evenly over the timeline). */
export function attachmentMessage(ctx: WorldContext, i: number): number {
  const A = Math.max(1, ctx.plan.attachments);
  return Math.min(ctx.plan.messages - 1, Math.floor(((i + 0.5) * ctx.plan.messages) / A));
}

/** The chat of message m; attachment carriers never land in the short-code chat. */
export function effectiveChat(ctx: WorldContext, m: number, chatCount: number, carriesAttachment: boolean): number {
  const chat = chatOf(ctx, m, chatCount);
  return carriesAttachment && chat === chatCount - 1 ? 0 : chat;
}

export function messageGuid(ctx: WorldContext, m: number): string {
  return pointUuid(ctx.key, m, 213);
}

export function* messageStream(ctx: WorldContext, chats: readonly ChatDef[]): Generator<MessageDef> {
  const recent = new Map<number, { guid: string; text: string }[]>();
  let nextAttachment = 0;
  for (let m = 0; m < ctx.plan.messages; m++) {
    const attachments: number[] = [];
    while (nextAttachment < ctx.plan.attachments && attachmentMessage(ctx, nextAttachment) === m) attachments.push(nextAttachment++);
    const chatIndex = effectiveChat(ctx, m, chats.length, attachments.length > 0);
    const chat = chats[chatIndex];
    if (!chat) continue;
    const u = (salt: number): number => pointUnit(ctx.key, m, 220 + salt);
    const fromMe = !chat.shortCode && isFromMe(ctx, m);
    const sender = fromMe ? ctx.owner.phone : (chat.participants[pointHash(ctx.key, m, 221) % chat.participants.length] ?? chat.identifier);
    const date = messageDate(ctx, m);
    const base = { index: m, guid: messageGuid(ctx, m), chat: chatIndex, date, nanos: pointHash(ctx.key, m, 222) % 1_000_000, fromMe, sender, service: chat.service };
    const history = recent.get(chatIndex) ?? [];
    let message: MessageDef;
    if (attachments.length > 0) {
      message = { ...base, text: OBJECT_REPLACEMENT, attachments };
    } else if (chat.shortCode) {
      message = { ...base, text: `Your verification code is ${String(pointHash(ctx.key, m, 223) % 1_000_000).padStart(6, '0')}. Do not share it.`, attachments };
    } else if (history.length > 0 && u(4) < 0.05) {
      const target = history[pointHash(ctx.key, m, 225) % history.length] ?? history[0];
      const type = 2000 + (pointHash(ctx.key, m, 226) % 6);
      const verb = REACTION_VERBS[type - 2000] ?? 'Loved';
      message = {
        ...base,
        text: target?.text === OBJECT_REPLACEMENT ? `${verb} an image` : `${verb} “${target?.text ?? ''}”`,
        reaction: { type, targetGuid: target?.guid ?? '', targetLength: target?.text.length ?? 1 },
        attachments,
      };
    } else {
      const text = MESSAGE_PHRASES[pointHash(ctx.key, m, 227) % MESSAGE_PHRASES.length] ?? 'Ok';
      if (fromMe && chat.service === 'iMessage' && u(8) < 0.03) {
        const edited = `${text} (edited)`;
        const third = u(9) < 0.4 ? `${edited}!` : undefined;
        const edits = [
          { text, date },
          { text: edited, date: date + 30_000 },
          ...(third ? [{ text: third, date: date + 95_000 }] : []),
        ];
        message = { ...base, text: edits[edits.length - 1]?.text ?? text, edits, attachments };
      } else if (fromMe && chat.service === 'iMessage' && u(10) < 0.012) {
        message = { ...base, text: null, unsent: { date: date + 45_000, originalLength: text.length }, attachments };
      } else {
        message = { ...base, text, attachments };
      }
    }
    if (!message.reaction && message.text !== null) {
      history.push({ guid: message.guid, text: message.text });
      if (history.length > 5) history.shift();
      recent.set(chatIndex, history);
    }
    yield message;
  }
}
