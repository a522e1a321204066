// The ServerHello parser meets a peer's first bytes inside a socket listener: whatever arrives, it
// returns a value (hello / more / other with a reason) and never throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseServerHello, type ServerHelloParse } from '../../src/tls/server-hello.js';

const RUNS = { numRuns: 3000 };

/** A well-formed record holding one ServerHello. */
function serverHello(o: {
  legacy: number;
  sid: Uint8Array;
  suite: number;
  extensions: Array<{ type: number; data: Uint8Array }> | null;
}): Buffer {
  const ext = o.extensions
    ? Buffer.concat(
        o.extensions.map((e) => {
          const h = Buffer.alloc(4);
          h.writeUInt16BE(e.type, 0);
          h.writeUInt16BE(e.data.length, 2);
          return Buffer.concat([h, e.data]);
        }),
      )
    : null;
  const head = Buffer.alloc(2 + 32);
  head.writeUInt16BE(o.legacy, 0);
  const tail = Buffer.alloc(3);
  tail.writeUInt16BE(o.suite, 0);
  const parts = [head, Buffer.from([o.sid.length]), o.sid, tail];
  if (ext) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(ext.length, 0);
    parts.push(len, ext);
  }
  const body = Buffer.concat(parts);
  const hs = Buffer.concat([
    Buffer.from([2, body.length >> 16, (body.length >> 8) & 255, body.length & 255]),
    body,
  ]);
  const rec = Buffer.from([22, 3, 3, hs.length >> 8, hs.length & 255]);
  return Buffer.concat([rec, hs]);
}

const LEGACY_NAMES: Record<number, string | undefined> = { 769: 'TLSv1', 770: 'TLSv1.1', 771: 'TLSv1.2' };
const hex = (h: string) => Buffer.from(h, 'hex');

/** One handshake record around a message body given in hex, lengths filled in. */
function record(bodyHex: string, type = 2): Buffer {
  const body = hex(bodyHex);
  const hs = Buffer.concat([Buffer.from([type, 0, body.length >> 8, body.length & 255]), body]);
  return Buffer.concat([Buffer.from([22, 3, 3, hs.length >> 8, hs.length & 255]), hs]);
}

const extension = fc.record({
  type: fc.integer({ min: 0, max: 0xffff }),
  data: fc.uint8Array({ maxLength: 40 }),
});
const hello = fc.record({
  legacy: fc.constantFrom(0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f1c),
  sid: fc.uint8Array({ maxLength: 32 }),
  suite: fc.integer({ min: 0, max: 0xffff }),
  extensions: fc.option(fc.array(extension, { maxLength: 6 }), { nil: null }),
});

const settles = (buf: Uint8Array): ServerHelloParse => {
  const r = parseServerHello(buf);
  expect(['hello', 'more', 'other']).toContain(r.kind);
  if (r.kind === 'other') expect(r.reason).toMatch(/\w/);
  return r;
};

describe('ServerHello parser under fuzzing', () => {
  // Regressions. Before the parser checked its lengths, the 10-byte hello, the short body and the
  // missing suite threw RangeError out of the socket's 'data' listener (killing `hsmwatch tls`); the
  // over-long session id and the broken extension blocks were read as a valid TLS 1.2 hello.
  const z32 = '00'.repeat(32);
  it.each<[string, Buffer, ServerHelloParse['kind']]>([
    ['a 10-byte ServerHello', hex('16030300050200000100'), 'other'],
    ['a body shorter than its random', record(`0303${'00'.repeat(4)}`), 'other'],
    ['a session id longer than 32', record(`0303${z32}21${'00'.repeat(33)}002f00`), 'other'],
    ['no room for the suite', record(`0303${z32}0000`), 'other'],
    ['an extensions length past the end', record(`0303${z32}00002f0000ff`), 'other'],
    ['an extension past its block', record(`0303${z32}00002f000006002b00ff0304`), 'other'],
    ['half an extensions length', record(`0303${z32}00002f0000`), 'other'],
    ['a handshake message that is not a ServerHello', record(`0303${z32}00002f00`, 11), 'other'],
    ['a ServerHello longer than its record', hex(`1603030008020000ff${'00'.repeat(4)}`), 'other'],
    ['a record over the TLS limit', hex('160303480102'), 'other'],
    ['an alert', hex('15030300020228'), 'other'],
    ['a record still arriving', hex('1603030064020000600303'), 'more'],
    ['five bytes short of a header', hex('16030300'), 'more'],
  ])('regression: %s', (_name, bytes, kind) => {
    expect(settles(bytes).kind).toBe(kind);
  });

  it('reads the version and suite of a well-formed ServerHello', () => {
    const tls12 = serverHello({ legacy: 0x0303, sid: new Uint8Array(32), suite: 0x002f, extensions: [] });
    expect(parseServerHello(tls12)).toEqual({ kind: 'hello', hello: { protocol: 'TLSv1.2', code: 0x002f } });
    const tls13 = serverHello({
      legacy: 0x0303,
      sid: new Uint8Array(0),
      suite: 0x1301,
      extensions: [{ type: 0x002b, data: Uint8Array.from([3, 4]) }],
    });
    expect(parseServerHello(tls13)).toEqual({ kind: 'hello', hello: { protocol: 'TLSv1.3', code: 0x1301 } });
    // TLS 1.2 may carry no extensions block at all.
    const bare = serverHello({ legacy: 0x0301, sid: new Uint8Array(0), suite: 10, extensions: null });
    expect(parseServerHello(bare)).toEqual({ kind: 'hello', hello: { protocol: 'TLSv1', code: 10 } });
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        settles(bytes);
      }),
      RUNS,
    );
  });

  it('never throws on arbitrary bytes behind a handshake record header', () => {
    const framed = fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 300 }))
      .map(([len, body]) => Buffer.concat([Buffer.from([22, 3, 3, len >> 8, len & 255, 2]), body]));
    fc.assert(
      fc.property(framed, (bytes) => void settles(bytes)),
      RUNS,
    );
  });

  it('parses well-formed hellos, and settles every truncation and corruption of one', () => {
    fc.assert(
      fc.property(hello, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (h, cutAt, flipAt, value) => {
        const buf = serverHello(h);
        const whole = settles(buf);
        const expected = h.extensions?.some(
          (e) => e.type === 0x002b && e.data.length === 2 && e.data[0] === 3 && e.data[1] === 4,
        )
          ? 'TLSv1.3'
          : LEGACY_NAMES[h.legacy];
        if (expected) expect(whole).toEqual({ kind: 'hello', hello: { protocol: expected, code: h.suite } });
        else expect(whole.kind).toBe('other');
        // A prefix is incomplete or settled; never a throw.
        settles(buf.subarray(0, cutAt % (buf.length + 1)));
        const bad = Buffer.from(buf);
        bad[flipAt % bad.length] = value;
        settles(bad);
      }),
      RUNS,
    );
  });
});
