import type { IncomingMessage } from 'node:http';

/**
 * A request body as text, or undefined when it is larger than `limit` bytes. A body that declares a larger
 * `Content-Length` is refused before any of it is read, and one that grows past the limit stops being kept the moment
 * it does (the rest is discarded, never buffered), so the caller can answer 413 at once.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      chunks.length = 0;
      req.resume();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => {
      resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}
