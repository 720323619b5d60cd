/**
 * A text file written piece by piece with backpressure: exporters stream rows and HTML into it instead
 * of building whole documents in memory (100,000 messages stay 100,000 small writes, not one string).
 * Files are created with O_EXCL ('wx'): an existing file or a planted symlink is never followed.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export class TextSink {
  private failure: Error | undefined;
  bytes = 0;

  private constructor(
    readonly path: string,
    private readonly stream: WriteStream,
  ) {
    stream.on('error', (error) => {
      this.failure = error;
    });
  }

  static async open(path: string): Promise<TextSink> {
    const stream = createWriteStream(path, { flags: 'wx', encoding: 'utf8', highWaterMark: 256 * 1024 });
    await once(stream, 'open');
    return new TextSink(path, stream);
  }

  /** Writes `text`; waits only when the stream's buffer is full. */
  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.bytes += text.length;
    if (!this.stream.write(text)) await this.drained();
    if (this.failure) throw this.failure;
  }

  /** Waits for 'drain' (or an error), removing both listeners either way so none accumulate. */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
    });
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    this.stream.end();
    await once(this.stream, 'close');
    if (this.failure) throw this.failure;
  }

  /** Closes without caring about errors (cleanup after a failure elsewhere). */
  destroy(): void {
    this.stream.destroy();
  }
}

/** Writes a whole small text file exclusively (O_EXCL). */
export async function writeTextFile(path: string, text: string): Promise<void> {
  const sink = await TextSink.open(path);
  try {
    await sink.write(text);
    await sink.close();
  } catch (error) {
    sink.destroy();
    throw error;
  }
}
