/**
 * Reads a Server-Sent Events response (the dashboard's /api/events) event by event: `onEvent` gets each
 * event's type and parsed data and returns true to stop. Resolves when stopped or when the stream ends;
 * the reader is cancelled either way.
 */
export async function readEvents(response: Response, onEvent: (type: string, data: unknown) => boolean): Promise<void> {
  const reader = response.body!.getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += Buffer.from(value).toString('utf8');
      let cut;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, cut);
        text = text.slice(cut + 2);
        const type = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (type && data && onEvent(type, JSON.parse(data) as unknown)) return;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
