/** Worker thread of parallel-hash.ts: hashes the batches of files it is sent, in order. */
import { parentPort } from 'node:worker_threads';
import { hashFile } from './digests.js';

parentPort?.on('message', (message: { start: number; paths: string[] }) => {
  const outcomes = message.paths.map((path) => {
    try {
      return hashFile(path);
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  });
  parentPort?.postMessage({ start: message.start, outcomes });
});
