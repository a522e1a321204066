// Fault suite, local inputs: files the user points hsmwatch at (config, web config, snapshot, trust
// anchor, Client SDK configs) and TLS peers that answer a ClientHello with a broken ServerHello. Each
// case runs the built CLI (or agent) with planted credentials and asserts the exit code, the
// message naming the key path / JSON path and the reason, the finding where there is one, the time,
// no crash or stack trace, and no planted secret anywhere.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { expectNoSecret, PLANTED, PLANTED_ENV, runFault } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-faults-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const healthy = JSON.parse(readFileSync(new URL('../../scenarios/healthy.json', import.meta.url), 'utf8'))
  .snapshot as { aws: Record<string, Json> };
// biome-ignore lint/suspicious/noExplicitAny: cases spoil arbitrary fields of a real snapshot
type Json = any;
/** The healthy scenario's snapshot with `spoil` applied, as a file. */
const snapshot = (name: string, spoil: (aws: Record<string, Json>) => void) => {
  const s = structuredClone(healthy);
  spoil(s.aws);
  return file(name, JSON.stringify(s));
};

// Hostile TLS peers on 127.0.80.0/24 (this file's loopback range), each on a port of its own.
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
/** A TCP peer that answers the ClientHello with `reply` (then holds the line for a moment). */
async function tlsPeer(reply: (s: Socket) => void, host = '127.0.80.3'): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.once('data', () => reply(s));
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  const a = server.address();
  return `${host}:${typeof a === 'object' && a ? a.port : 0}`;
}
const rec = (type: number, body: Buffer) =>
  Buffer.concat([Buffer.from([type, 3, 3, body.length >> 8, body.length & 255]), body]);
const thenClose = (s: Socket, bytes: Buffer) => {
  s.write(bytes);
  setTimeout(() => s.destroy(), 200);
};
const HELLO_PEERS = {
  /** The code review's: 10 bytes, a ServerHello of one byte (threw out of the 'data' listener). */
  malformed: (s: Socket) => thenClose(s, Buffer.from('16030300050200000100', 'hex')),
  /** A record announcing 100 bytes, 6 sent, then the connection closed. */
  truncated: (s: Socket) => thenClose(s, Buffer.from('1603030064020000600303', 'hex')),
  /** A record longer than TLS allows (64 kB). */
  oversizedRecord: (s: Socket) => thenClose(s, rec(22, Buffer.alloc(0xffff, 2))),
  /** A ServerHello announcing 16 MB, sent as full records. */
  oversizedHello: (s: Socket) => {
    s.write(rec(22, Buffer.concat([Buffer.from([2, 0xff, 0xff, 0xff]), Buffer.alloc(16_380, 3)])));
    for (let i = 0; i < 64 && !s.destroyed; i++) s.write(rec(22, Buffer.alloc(16_384, 3)));
    setTimeout(() => s.destroy(), 500);
  },
};

const yaml = (o: Record<string, unknown>) => JSON.stringify(o); // JSON is YAML
/** A config that keeps every case local and quick: no IMDS, short deadlines. */
const QUIET = 'imds: {disabled: true}\naws: {maxAttempts: 1, timeout: 2s}\n';
const hash = (cost: number) => `$2y$${String(cost).padStart(2, '0')}$${'a'.repeat(53)}`;

interface Expect {
  code: number;
  /** Each must match stdout + stderr. */
  message: RegExp[];
  /** A finding of the JSON report on stdout (--output json). */
  finding?: { id: string; status: string; message?: RegExp };
  maxMs: number;
}
interface Case {
  name: string;
  /** Writes files, starts hostile peers; returns the CLI arguments. */
  args: () => string[] | Promise<string[]>;
  expect: Expect;
}

const alias = () => {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 10; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\nprobes: {only: *a9}\n`;
};

const cases: Case[] = [
  {
    name: '--config /dev/zero is refused after 1 MB, not read to the end',
    args: () => ['diagnose', '--config', '/dev/zero', '--hsm-ip', '127.0.80.9'],
    expect: {
      code: 2,
      message: [/\/dev\/zero: cannot read config file \(too large: more than the 1 MB limit\)/],
      maxMs: 3000,
    },
  },
  {
    name: 'a 16 MB --config is refused from its size',
    args: () => [
      'diagnose',
      '--config',
      file('huge.yml', Buffer.alloc(16 * 1024 * 1024, 0x20)),
      '--hsm-ip',
      '127.0.80.9',
    ],
    expect: {
      code: 2,
      message: [/huge\.yml: cannot read config file \(too large: 16777216 bytes, more than the 1 MB limit\)/],
      maxMs: 3000,
    },
  },
  {
    name: 'a directory as --config',
    args: () => ['diagnose', '--config', dir, '--hsm-ip', '127.0.80.9'],
    expect: {
      code: 2,
      message: [/cannot read config file \(EISDIR: is a directory, not a file\)/],
      maxMs: 3000,
    },
  },
  {
    name: 'config values of the wrong type, each with its key path and reason',
    args: () => [
      'diagnose',
      '--config',
      file('types.yml', `${QUIET}ports: {a: 1}\ntimeout: [1]\nconcurrency: "x"\nhsmIps: 5\n`),
    ],
    expect: {
      code: 2,
      message: [
        /types\.yml: ports: must be a port, a list of ports or a string such as 2223-2225,8443, not an object/,
        /types\.yml: timeout: must be a duration such as 500ms, 3s or 5m, not a list/,
        /types\.yml: concurrency: must be a number, not the string "x"/,
        /types\.yml: hsmIps: must be a string or a list, not the number 5/,
      ],
      maxMs: 3000,
    },
  },
  {
    name: 'config errors deep inside lists and mappings',
    args: () => [
      'diagnose',
      '--config',
      file('deep.yml', `${QUIET}ports: [2223, true]\nagent: {intervals: {Bad_Id: 3s}}\nimds2: 1\n`),
      '--hsm-ip',
      '127.0.80.9',
    ],
    expect: {
      code: 2,
      message: [
        /deep\.yml: ports\[1\]: must be a number, not true/,
        /deep\.yml: agent\.intervals: key "Bad_Id": must be a probe id or "discovery"/,
        /deep\.yml: \(top level\): unknown key "imds2"/,
      ],
      maxMs: 3000,
    },
  },
  {
    name: 'a flag of the wrong type names the flag',
    args: () => ['diagnose', '--hsm-ip', '127.0.80.9', '--concurrency', 'many', '--ports', '2223-'],
    expect: { code: 2, message: [/command line: --concurrency: must be a number, not NaN/], maxMs: 3000 },
  },
  {
    name: 'a YAML alias bomb is refused, not expanded',
    args: () => ['diagnose', '--config', file('bomb.yml', alias()), '--hsm-ip', '127.0.80.9'],
    expect: {
      code: 2,
      message: [/bomb\.yml: not valid YAML: Excessive alias count indicates a resource exhaustion attack/],
      maxMs: 3000,
    },
  },
  {
    name: 'YAML nested 100,000 deep',
    args: () => ['diagnose', '--config', file('nested.yml', '['.repeat(100_000)), '--hsm-ip', '127.0.80.9'],
    expect: { code: 2, message: [/nested\.yml: not valid YAML: nested too deeply/], maxMs: 4000 },
  },
  {
    name: 'a config secret in a rejected value is not echoed',
    args: () => [
      'diagnose',
      '--config',
      file(
        'secret.yml',
        `${QUIET}proxy: https://user:${PLANTED.secretAccessKey}@proxy.corp:3128\nregion: ${PLANTED.accessKeyId}\n`,
      ),
    ],
    expect: {
      code: 2,
      message: [/secret\.yml: proxy: must be an http:\/\/ proxy URL/, /region: must be a region name/],
      maxMs: 3000,
    },
  },
  // The issue's snapshot: evaluated, it printed 14 "blocked" paths with fix commands.
  {
    name: 'analyze: FromPort "twenty-two", IpPermissionsEgress "all", RuleNumber "first"',
    args: () => [
      'analyze',
      snapshot('issue.json', (aws) => {
        aws['ec2:DescribeSecurityGroups'].SecurityGroups[2].IpPermissions[0].FromPort = 'twenty-two';
        aws['ec2:DescribeSecurityGroups'].SecurityGroups[0].IpPermissionsEgress = 'all';
        aws['ec2:DescribeNetworkAcls'].NetworkAcls[0].Entries[0].RuleNumber = 'first';
      }),
    ],
    expect: {
      code: 2,
      message: [
        /issue\.json: not a valid hsmwatch snapshot:/,
        /aws\["ec2:DescribeSecurityGroups"\]\.SecurityGroups\[0\]\.IpPermissionsEgress: must be a list, not the string "all"/,
        /aws\["ec2:DescribeSecurityGroups"\]\.SecurityGroups\[2\]\.IpPermissions\[0\]\.FromPort: must be a number, not the string "twenty-two"/,
        /aws\["ec2:DescribeNetworkAcls"\]\.NetworkAcls\[0\]\.Entries\[0\]\.RuleNumber: must be a number, not the string "first"/,
      ],
      maxMs: 4000,
    },
  },
  {
    name: 'analyze: HSMs an object, a Main flag a string, a CIDR that is not one, an unknown rule action',
    args: () => [
      'analyze',
      snapshot('more.json', (aws) => {
        aws['cloudhsmv2:DescribeClusters'].Clusters[0].Hsms = { 'hsm-1': {} };
        aws['ec2:DescribeRouteTables'].RouteTables[0].Associations[0].Main = 'true';
        aws['ec2:DescribeSubnets'].Subnets[0].CidrBlock = '10.0.0.0/33';
        aws['ec2:DescribeNetworkAcls'].NetworkAcls[0].Entries[1].RuleAction = 'ALLOW';
      }),
      '--output',
      'json',
    ],
    expect: {
      code: 2,
      message: [
        /aws\["cloudhsmv2:DescribeClusters"\]\.Clusters\[0\]\.Hsms: must be a list, not an object/,
        /RouteTables\[0\]\.Associations\[0\]\.Main: must be true or false, not the string "true"/,
        /Subnets\[0\]\.CidrBlock: must be an IPv4 CIDR block such as 10\.0\.0\.0\/16/,
        /Entries\[1\]\.RuleAction: must be one of "allow", "deny", not the string "ALLOW"/,
      ],
      maxMs: 4000,
    },
  },
  {
    name: 'analyze: a planted secret of the wrong type is described, not echoed',
    args: () => [
      'analyze',
      snapshot('secret.json', (aws) => {
        aws['ec2:DescribeSecurityGroups'].SecurityGroups[2].IpPermissions[0].FromPort =
          PLANTED.secretAccessKey;
        aws['ec2:DescribeSecurityGroups'].SecurityGroups[2].IpPermissions[0].ToPort = PLANTED.accessKeyId;
      }),
    ],
    expect: {
      code: 2,
      message: [
        /FromPort: must be a number, not a string of \d+ characters/,
        /ToPort: must be a number, not a string of 20 characters/,
      ],
      maxMs: 4000,
    },
  },
  {
    name: 'analyze: a truncated snapshot',
    args: () => ['analyze', file('truncated.json', JSON.stringify(healthy).slice(0, 1000))],
    expect: { code: 2, message: [/truncated\.json: not JSON \(.*position 1000/], maxMs: 4000 },
  },
  {
    name: 'analyze: a snapshot that is an array',
    args: () => ['analyze', file('array.json', JSON.stringify([healthy]))],
    expect: {
      code: 2,
      message: [
        /array\.json: not a valid hsmwatch snapshot:\n {2}\(top level\): must be an object, not a list/,
      ],
      maxMs: 4000,
    },
  },
  {
    name: 'analyze /dev/zero',
    args: () => ['analyze', '/dev/zero'],
    expect: { code: 2, message: [/\/dev\/zero: the snapshot is more than the 64 MB limit/], maxMs: 6000 },
  },
  {
    name: 'tls: a 10-byte malformed ServerHello',
    args: async () => ['tls', await tlsPeer(HELLO_PEERS.malformed), '--timeout', '2s', '--output', 'json'],
    expect: {
      code: 1,
      message: [/"id": "tls\.handshake"/],
      finding: {
        id: 'tls.handshake',
        status: 'fail',
        message: /TLS handshake failed: ERR_SSL_LENGTH_MISMATCH/,
      },
      maxMs: 8000,
    },
  },
  {
    name: 'tls: a truncated ServerHello, then the connection closed',
    args: async () => ['tls', await tlsPeer(HELLO_PEERS.truncated), '--timeout', '2s', '--output', 'json'],
    expect: {
      code: 1,
      message: [/"id": "tls\.handshake"/],
      finding: {
        id: 'tls.handshake',
        status: 'fail',
        message: /reset the connection during the TLS handshake|closed/,
      },
      maxMs: 8000,
    },
  },
  {
    name: 'tls: a TLS record over 64 kB',
    args: async () => [
      'tls',
      await tlsPeer(HELLO_PEERS.oversizedRecord),
      '--timeout',
      '2s',
      '--output',
      'json',
    ],
    expect: {
      code: 1,
      message: [/"id": "tls\.handshake"/],
      finding: {
        id: 'tls.handshake',
        status: 'fail',
        message: /does not speak TLS \(ERR_SSL_PACKET_LENGTH_TOO_LONG\)/,
      },
      maxMs: 8000,
    },
  },
  {
    name: 'tls: a ServerHello announcing 16 MB',
    args: async () => [
      'tls',
      await tlsPeer(HELLO_PEERS.oversizedHello),
      '--timeout',
      '2s',
      '--output',
      'json',
    ],
    expect: {
      code: 1,
      message: [/"id": "tls\.handshake"/],
      finding: { id: 'tls.handshake', status: 'fail', message: /ERR_SSL_EXCESSIVE_MESSAGE_SIZE/ },
      maxMs: 8000,
    },
  },
  {
    name: 'agent: a web config with bcrypt cost 99 does not start',
    args: () => [
      'agent',
      '--hsm-ip',
      '127.0.80.9',
      '--web.listen-address',
      '127.0.80.2:0',
      '--web.config.file',
      file('web99.yml', yaml({ basic_auth_users: { bob: hash(99) } })),
    ],
    expect: {
      code: 2,
      message: [/web99\.yml: basic_auth_users\.bob: bcrypt cost 99 is outside bcrypt's range 4-31/],
      maxMs: 4000,
    },
  },
  {
    name: 'agent: a web config with a plain password (the planted secret) for a hash',
    args: () => [
      'agent',
      '--hsm-ip',
      '127.0.80.9',
      '--web.listen-address',
      '127.0.80.2:0',
      '--web.config.file',
      file('webplain.yml', yaml({ basic_auth_users: { bob: PLANTED.secretAccessKey, eve: hash(20) } })),
    ],
    expect: {
      code: 2,
      message: [
        /webplain\.yml: basic_auth_users\.bob: must be a bcrypt hash .*not a plain password/,
        /webplain\.yml: basic_auth_users\.eve: bcrypt cost 20 is above 14/,
      ],
      maxMs: 4000,
    },
  },
  {
    name: 'a trust anchor that cannot be read (a directory), a Client SDK config that is /dev/zero',
    args: () => {
      const sdk = mkdtempSync(join(dir, 'sdk-'));
      symlinkSync('/dev/zero', join(sdk, 'cloudhsm-pkcs11.cfg'));
      mkdirSync(join(sdk, 'customerCA.crt'));
      return [
        'diagnose',
        '--hsm-ip',
        '127.0.80.9',
        '--probe',
        'client-config',
        '--output',
        'json',
        '--config',
        file(
          'anchor.yml',
          `${QUIET}hsm: {trustAnchor: ${join(sdk, 'customerCA.crt')}}\nclientSdk: {configDir: ${sdk}}\n`,
        ),
      ];
    },
    expect: {
      code: 1,
      message: [/cloudhsm-pkcs11\.cfg: cannot read: too large: more than the 1 MB limit/],
      finding: {
        id: 'clientsdk.trust-anchor',
        status: 'fail',
        message: /customerCA\.crt: cannot read: EISDIR/,
      },
      maxMs: 5000,
    },
  },
  {
    name: 'a Client SDK config directory that cannot be read',
    args: () => [
      'diagnose',
      '--hsm-ip',
      '127.0.80.9',
      '--probe',
      'client-config',
      '--output',
      'json',
      '--config',
      file(
        'sdkdir.yml',
        `${QUIET}clientSdk: {configDir: ${file('not-a-dir', '')}}\nhsm: {trustAnchor: ${join(dir, 'absent.crt')}}\n`,
      ),
    ],
    expect: {
      code: 0,
      message: [/not-a-dir/],
      finding: {
        id: 'clientsdk.config',
        status: 'warn',
        message: /cannot use .*not-a-dir: cannot read the directory \(ENOTDIR\)/,
      },
      maxMs: 5000,
    },
  },
];

/** No crash: no stack trace, no uncaught error name, no internal error finding. */
const CRASH = /\n\s+at |node:internal|RangeError|TypeError|SyntaxError|uncaught|internal error/i;

describe('fault suite: local inputs and hostile TLS peers (built CLI)', () => {
  it.each(cases)('$name', async (c) => {
    const args = await c.args();
    const r = await runFault(args, { timeoutMs: c.expect.maxMs + 10_000 });
    expect(r.code, r.all).toBe(c.expect.code);
    for (const m of c.expect.message) expect(r.all).toMatch(m);
    expect(r.all).not.toMatch(CRASH);
    expect(r.ms).toBeLessThan(c.expect.maxMs);
    if (c.expect.finding) {
      const { id, status, message } = c.expect.finding;
      const report = JSON.parse(r.stdout) as {
        findings: Array<{ id: string; status: string; message: string }>;
      };
      const f = report.findings.find((x) => x.id === id && x.status === status);
      expect(f, `${id} ${status} in ${r.stdout}`).toBeDefined();
      if (message) expect(f!.message).toMatch(message);
    }
  });
});

// The agent: a hostile TLS peer where an AWS endpoint should be (the enumeration handshakes read its
// ServerHello), and a web config made invalid while it runs. It must keep serving, say why, and leak
// nothing in logs, /report, /metrics or the status page.
interface AgentRun {
  child: ChildProcess;
  logs: () => string;
  url: Promise<string>;
  stop: () => Promise<number | null>;
}
function startAgent(args: string[]): AgentRun {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...PLANTED_ENV };
  for (const [k, v] of Object.entries(PLANTED_ENV)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [BIN, 'agent', '--log.format', 'json', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`agent not listening in 10 s:\n${out}`)), 10_000);
    const look = () => {
      const m = /"msg":"hsmwatch agent listening".*?"url":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        child.stdout!.off('data', look);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.on('exit', () => reject(new Error(`agent exited:\n${out}`)));
  });
  url.catch(() => {});
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', (code) => {
        clearTimeout(kill);
        resolve(code);
      });
      child.kill('SIGTERM');
    });
  return { child, logs: () => out, url, stop };
}

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const get = async (url: string, auth?: string) => {
  const r = await fetch(url, {
    headers: auth ? { authorization: auth } : {},
    signal: AbortSignal.timeout(5000),
  });
  return { status: r.status, text: await r.text() };
};

interface AgentCase {
  name: string;
  start: () => Promise<{ args: string[]; auth?: string; afterStart?: (a: AgentRun) => Promise<void> }>;
  expect: { finding?: { id: string; status: string; message: RegExp }; log: RegExp; maxMs: number };
}

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

const agentCases: AgentCase[] = [
  {
    name: "the agent's TLS probe against a peer sending a 10-byte malformed ServerHello",
    start: async () => {
      const peer = await tlsPeer(HELLO_PEERS.malformed, '127.0.80.4');
      return {
        args: [
          '--hsm-ip',
          '127.0.80.9',
          '--region',
          'us-east-1',
          '--endpoint-url',
          `https://${peer}`,
          '--probe',
          'tls-endpoints',
          '--web.listen-address',
          '127.0.80.2:0',
          '--config',
          file('agent-tls.yml', `${QUIET}tls: {timeout: 2s}\nagent: {intervals: {tls-endpoints: 1s}}\n`),
        ],
      };
    },
    expect: {
      finding: {
        id: 'tls.handshake',
        status: 'fail',
        message: /TLS handshake failed: ERR_SSL_LENGTH_MISMATCH/,
      },
      log: /"msg":"first round finished: ready"/,
      maxMs: 15_000,
    },
  },
  {
    name: 'a web config reloaded with bcrypt cost 99 is rejected, the running one kept',
    start: async () => {
      const web = file('web-reload.yml', yaml({ basic_auth_users: { alice: bcrypt.hashSync('pw', 4) } }));
      return {
        args: [
          '--hsm-ip',
          '127.0.80.9',
          '--probe',
          'reachability',
          '--web.listen-address',
          '127.0.80.2:0',
          '--web.config.file',
          web,
          '--config',
          file('agent-web.yml', QUIET),
        ],
        auth: basic('alice', 'pw'),
        afterStart: async (a) => {
          writeFileSync(web, yaml({ basic_auth_users: { alice: hash(99) } }));
          a.child.kill('SIGHUP');
          await until('the reload to be rejected', async () => /reload rejected/.test(a.logs()));
        },
      };
    },
    expect: {
      log: /"msg":"reload rejected: keeping the running configuration","error":"web config [^"]*web-reload\.yml: basic_auth_users\.alice: bcrypt cost 99 is outside bcrypt's range 4-31"/,
      maxMs: 15_000,
    },
  },
];

describe('fault suite: local inputs in the agent (built CLI)', () => {
  it.each(agentCases)('$name', async (c) => {
    const t0 = performance.now();
    const { args, auth, afterStart } = await c.start();
    const a = startAgent(args);
    try {
      const url = await a.url;
      await until('ready', async () => (await get(`${url}/-/ready`, auth)).status === 200);
      await afterStart?.(a);
      // Still serving, with the running configuration.
      expect((await get(`${url}/-/healthy`, auth)).status).toBe(200);
      const report = await get(`${url}/report`, auth);
      expect(report.status).toBe(200);
      const metrics = await get(`${url}/metrics`, auth);
      const page = await get(`${url}/`, auth);
      if (c.expect.finding) {
        const { id, status, message } = c.expect.finding;
        const f = (
          JSON.parse(report.text) as { findings: Array<{ id: string; status: string; message: string }> }
        ).findings.find((x) => x.id === id && x.status === status);
        expect(f, report.text).toBeDefined();
        expect(f!.message).toMatch(message);
        expect(metrics.text).toMatch(
          new RegExp(`cloudhsm_finding_status\\{id="${id.replace('.', '\\.')}"[^}]*status="${status}"\\} 1`),
        );
      }
      expect(a.logs()).toMatch(c.expect.log);
      expect(a.logs()).not.toMatch(/unhandled error|\n\s+at |RangeError/);
      expectNoSecret(a.logs(), report.text, metrics.text, page.text);
      expect(await a.stop()).toBe(0);
      expect(performance.now() - t0).toBeLessThan(c.expect.maxMs);
    } finally {
      await a.stop();
    }
  });
});
