// Keeps the raw body of an AWS response. The SDK version we use drops fields it does not know
// (e.g. EniIpV6 in CloudHSM answers); snapshots must hold the API's answer as it came.
import type { Readable } from 'node:stream';

const MAX_RAW_BYTES = 64 * 1024 * 1024;

interface MiddlewareCommand {
  middlewareStack: {
    add(mw: unknown, options: { step: 'deserialize'; priority: 'low'; name: string }): void;
  };
}

export function captureRawBody(command: MiddlewareCommand, sink: (body: Buffer) => void): void {
  command.middlewareStack.add(
    (next: (args: unknown) => Promise<{ response: { body?: unknown } }>) => async (args: unknown) => {
      const result = await next(args);
      const body = result.response.body;
      if (body && typeof (body as Readable).on === 'function') {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > MAX_RAW_BYTES) throw new Error(`AWS response larger than ${MAX_RAW_BYTES} bytes`);
          chunks.push(Buffer.from(chunk));
        }
        const buf = Buffer.concat(chunks);
        sink(buf);
        // The deserializer accepts a byte array in place of the stream it consumed.
        result.response.body = new Uint8Array(buf);
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'hsmwatchRawCapture' },
  );
}
