import { describe, expect, it } from 'vitest';
import { formatMs, parseDuration } from '../../src/config/duration.js';
import { formatPorts, parsePortSpec } from '../../src/config/ports.js';

describe('parsePortSpec', () => {
  it.each([
    ['2223-2225', [2223, 2224, 2225]],
    ['2223,2225', [2223, 2225]],
    ['2223-2225,8443', [2223, 2224, 2225, 8443]],
    [' 2225 , 2223 ', [2223, 2225]],
    ['2224,2223-2225', [2223, 2224, 2225]],
    ['1-3', [1, 2, 3]],
    ['65535', [65535]],
  ])('%s', (spec, ports) => {
    expect(parsePortSpec(spec)).toEqual({ ok: true, value: ports });
  });

  it.each([
    ['', 'empty port list'],
    ['0', 'port 0 is outside 1-65535'],
    ['65536', 'port 65536 is outside 1-65535'],
    ['2225-2223', 'range 2225-2223 ends before it starts'],
    ['22a3', '"22a3" is not a port or a range like 2223-2225'],
    ['2223,,2224', '"" is not a port or a range like 2223-2225'],
    ['1-65535', 'more than 1024 ports; hsmwatch checks service ports, it is no scanner'],
    ['-5', '"-5" is not a port or a range like 2223-2225'],
  ])('rejects %j', (spec, error) => {
    expect(parsePortSpec(spec)).toEqual({ ok: false, error });
  });

  it('formats back compactly', () => {
    expect(formatPorts([2223, 2224, 2225, 8443])).toBe('2223-2225,8443');
    expect(formatPorts([1, 3])).toBe('1,3');
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['3s', 3000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['3', 3000],
    [2, 2000],
    [0.25, 250],
  ] as const)('%j → %d ms', (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, value: ms });
  });

  it.each([
    ['fast', '"fast" is not a duration (examples: 500ms, 3s, 5m)'],
    ['0s', 'must be a positive duration'],
    [-1, 'must be a positive duration'],
    ['25h', 'must be at most 24h'],
    // Found by fuzzing: these rounded to a 0 ms deadline.
    ['0.4ms', 'must be at least 1ms'],
    [5e-324, 'must be at least 1ms'],
    ['3 sec', '"3 sec" is not a duration (examples: 500ms, 3s, 5m)'],
  ] as const)('rejects %j', (input, error) => {
    expect(parseDuration(input)).toEqual({ ok: false, error });
  });

  it('formats milliseconds for people', () => {
    expect(formatMs(0.412)).toBe('0.41ms');
    expect(formatMs(7.74)).toBe('7.7ms');
    expect(formatMs(120)).toBe('120ms');
    expect(formatMs(3000)).toBe('3.0s');
  });
});
