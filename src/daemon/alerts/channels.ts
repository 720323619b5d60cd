/**
 * Where alerts go: a desktop notification (node-notifier: notify-send, macOS Notification Center,
 * Windows toasts), webhooks (a JSON POST understood by ntfy and by chat webhooks) and email (SMTP with
 * nodemailer). A channel that fails says so — the alert log records "webhook:ops (failed: …)" — and
 * never stops the other channels.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import notifier from 'node-notifier';
import type { AlertSettings, EmailChannel, WebhookChannel } from '../../config/schema.js';
import { describeError } from '../../util/errors.js';
import type { AlertRecord } from '../types.js';

export interface AlertChannel {
  /** 'desktop', 'webhook:<name or host>', 'email'. */
  readonly name: string;
  readonly kind: 'desktop' | 'webhook' | 'email';
  send(alert: AlertRecord): Promise<void>;
}

const SEND_TIMEOUT_MS = 15_000;

/** ntfy priorities: 4 = high (failures, stale), 3 = default. */
function priority(alert: AlertRecord): number {
  return alert.kind === 'recovered' ? 3 : 4;
}

function tags(alert: AlertRecord): string[] {
  return alert.kind === 'recovered' ? ['white_check_mark', 'lifeboat'] : ['warning', 'lifeboat'];
}

/**
 * One body for every webhook: ntfy's JSON publishing fields (topic, title, message, priority, tags),
 * `text` for Slack/Mattermost-style webhooks, `content` for Discord, and the alert itself.
 */
export function webhookBody(alert: AlertRecord, url: string): Record<string, unknown> {
  const parsed = new URL(url);
  const topic = parsed.searchParams.get('topic') ?? parsed.pathname.split('/').filter(Boolean).at(-1);
  const text = `${alert.title}\n${alert.body}`;
  return {
    ...(topic ? { topic } : {}),
    title: alert.title,
    message: alert.body,
    priority: priority(alert),
    tags: tags(alert),
    text,
    content: text.slice(0, 2000),
    alert: { id: alert.id, at: alert.at, kind: alert.kind, udid: alert.udid ?? null },
  };
}

export function webhookChannel(settings: WebhookChannel, fetchImpl: typeof fetch = fetch): AlertChannel {
  const label = settings.name ?? new URL(settings.url).host;
  return {
    name: `webhook:${label}`,
    kind: 'webhook',
    async send(alert) {
      const response = await fetchImpl(settings.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'lifeboat-daemon' },
        body: JSON.stringify(webhookBody(alert, settings.url)),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      // Drain the body so the connection is released (and fds stay flat in a long-running daemon).
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    },
  };
}

export function emailChannel(settings: EmailChannel): AlertChannel {
  return {
    name: 'email',
    kind: 'email',
    async send(alert) {
      // Read at send time: the password file may be rotated while the daemon runs, and never sits in memory for long.
      const pass = settings.passwordFile ? readFileSync(settings.passwordFile, 'utf8').replace(/\r?\n$/, '') : undefined;
      const transport = nodemailer.createTransport({
        host: settings.host,
        port: settings.port,
        secure: settings.secure,
        connectionTimeout: SEND_TIMEOUT_MS,
        greetingTimeout: SEND_TIMEOUT_MS,
        socketTimeout: SEND_TIMEOUT_MS,
        ...(settings.user ? { auth: { user: settings.user, pass: pass ?? '' } } : {}),
      });
      try {
        await transport.sendMail({
          from: settings.from,
          to: [...settings.to],
          subject: `[Lifeboat] ${alert.title}`,
          text: `${alert.body}\n\n— Lifeboat, ${alert.at}${alert.udid ? ` (device ${alert.udid})` : ''}\n`,
          headers: { 'X-Lifeboat-Alert': alert.kind },
        });
      } finally {
        transport.close();
      }
    },
  };
}

export function desktopChannel(): AlertChannel {
  return {
    name: 'desktop',
    kind: 'desktop',
    send(alert) {
      return new Promise((resolve, reject) => {
        notifier.notify({ title: `Lifeboat: ${alert.title}`, message: alert.body.slice(0, 250), wait: false }, (error) => {
          if (error) reject(error instanceof Error ? error : new Error(String(error)));
          else resolve();
        });
      });
    },
  };
}

export function channelsFromConfig(settings: AlertSettings): AlertChannel[] {
  return [
    ...(settings.desktop ? [desktopChannel()] : []),
    ...settings.webhooks.map((w) => webhookChannel(w)),
    ...(settings.email ? [emailChannel(settings.email)] : []),
  ];
}

/** Sends to every channel; returns the log entries ("webhook:ops", "email (failed: …)"). */
export async function deliver(channels: readonly AlertChannel[], alert: AlertRecord): Promise<string[]> {
  return Promise.all(
    channels.map(async (channel) => {
      try {
        await channel.send(alert);
        return channel.name;
      } catch (error) {
        return `${channel.name} (failed: ${describeError(error).slice(0, 200)})`;
      }
    }),
  );
}
