// Keeps the raw body of an AWS response. The SDK version we use drops fields it does not know
// (e.g. EniIpV6 in CloudHSM answers); snapshots must hold the API's answer as it came. The request
// handler (src/aws/http.ts) has already read it whole, within its deadline and size bound.

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
      if (body instanceof Uint8Array) sink(Buffer.from(body));
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'hsmwatchRawCapture' },
  );
}
