// Fault suite, output: secrets that hostile peers put in front of hsmwatch never leave it, and TLS
// 1.0/1.1 endpoints get verdicts that say what they accept. Each case starts real peers on loopback
// (AWS look-alikes that echo the request's signing headers and body in their errors, TLS servers
// that speak only old versions or present certificates whose names are the credentials), runs the
// built CLI or the real agent with planted credentials (environment, or ~/.aws/credentials of a
// temporary HOME), and checks the exit code, the findings, the cause named, the time, and that no
// planted credential appears in stdout, stderr, a snapshot file, the agent's logs, /metrics, /report
// or its status page.
//
// Expected outcomes: AWS API endpoints accept TLS 1.2 and later only
// (https://aws.amazon.com/blogs/security/tls-1-2-required-for-aws-endpoints/), so a 1.0/1.1-only
// endpoint fails tls.protocol and cannot be reached with this host's defaults (tls.handshake fails,
// Node's minimum being TLSv1.2); TLS 1.0/1.1 accepted warns (tls.versions). The AWS errors echoed are
// real codes of these APIs answered with HTTP 400 (CloudHSM CloudHsmInvalidRequestException, STS
// ValidationError, EC2 InvalidParameterValue): client errors, which discovery reports as error
// (CloudHSM: nothing to check without it) or warn (EC2: path checks skipped), and STS as an error of
// credentials.identity (neither a denial nor a pass).
import { constants, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TlsOptions, createServer as tlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as yaml } from 'yaml';
import { checkEndpoint } from '../../probes/tls-endpoints/check.js';
import { requireBuild, startAgent, waitFor } from '../agent/helpers.js';
import { type Issued, TestPki } from '../support/pki.js';
import { expectNoSecret, type HostilePeer, hostileHttp, PLANTED, PLANTED_ENV, runFault } from './support.js';

interface Finding {
  id: string;
  status: string;
  target: string;
  message: string;
  evidence?: Record<string, unknown>;
}

interface Expected {
  code: number;
  /** Each must be among the findings; `message` on the first names the cause. */
  findings: Array<{ id: string; status: string; target?: string | RegExp; message?: RegExp }>;
  /** When no finding is expected (a usage error): what stderr says. */
  stderr?: RegExp;
  /** Wall time of the run (the CLI, or the agent until its report has the findings). */
  maxMs: number;
}

interface Outcome {
  code: number | null;
  findings: Finding[];
  stderr: string;
  /** Everything hsmwatch emitted: checked for the planted credentials. */
  emitted: string[];
  ms: number;
}

interface Case {
  name: string;
  run: () => Promise<Outcome>;
  expect: Expected;
}

// ---------------------------------------------------------------------------------------------
// Peers

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const xml = (s: unknown) =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');

/** What a server that echoes the request in its error message puts there. */
const echo = (req: IncomingMessage, body: string) =>
  `The security token included in the request is invalid: ${req.headers['x-amz-security-token']} (${req.headers.authorization}) request: ${body}`;

const CLUSTER = {
  Clusters: [
    {
      ClusterId: 'cluster-faultsuite1',
      State: 'ACTIVE',
      VpcId: 'vpc-0fa017f00000001',
      SecurityGroup: 'sg-0fa017f00000001',
      Hsms: [
        {
          HsmId: 'hsm-faultsuite1',
          EniId: 'eni-0fa017f0000000001',
          EniIp: '127.0.80.61',
          AvailabilityZone: 'us-east-1a',
          SubnetId: 'subnet-0fa017f00000001',
          State: 'ACTIVE',
        },
      ],
    },
  ],
};

/**
 * An AWS look-alike for the three APIs (endpointUrl): CloudHSM answers `cloudhsm` (a cluster, or an
 * echoing CloudHsmInvalidRequestException), STS and EC2 answer errors that echo the request.
 */
async function echoingAws(cloudhsm: 'cluster' | 'echo'): Promise<HostilePeer> {
  const peer = await hostileHttp((req, res, body) => {
    if (String(req.headers['x-amz-target'] ?? '').startsWith('BaldrApiService.')) {
      if (cloudhsm === 'cluster') {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(CLUSTER));
      } else {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'CloudHsmInvalidRequestException', message: echo(req, body) }));
      }
    } else if (/Action=GetCallerIdentity/.test(body)) {
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${xml(echo(req, body))}</Message></Error><RequestId>fa017</RequestId></ErrorResponse>`,
      );
    } else {
      res.writeHead(400, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(
        `<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>${xml(echo(req, body))}</Message></Error></Errors><RequestID>fa017</RequestID></Response>`,
      );
    }
  });
  cleanups.push(() => peer.close());
  return peer;
}

let pki: TestPki;
let root: Issued;
let leaf: Issued;
/** Self-signed, its names the planted credentials: text that reaches the report from a TLS peer. */
let planted: Issued;
let caFile: string;

async function tlsPeer(o: TlsOptions): Promise<number> {
  const sockets = new Set<Socket>();
  const server = tlsServer({ key: leaf.key, cert: `${leaf.cert}${root.cert}`, ...o }, (s) => {
    s.on('error', () => {});
    s.once('data', () =>
      s.end(`HTTP/1.1 200 OK\r\nDate: ${new Date().toUTCString()}\r\nContent-Length: 0\r\n\r\n`),
    );
  });
  server.on('tlsClientError', () => {});
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as AddressInfo).port;
}

// TLS 1.0/1.1 need security level 0 on the server too (test-infra.md).
const LEGACY = { ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
const tls10Only = () => tlsPeer({ ...LEGACY, minVersion: 'TLSv1', maxVersion: 'TLSv1' });
const tls11Only = () => tlsPeer({ ...LEGACY, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' });
const tls10And12 = () =>
  tlsPeer({
    ...LEGACY,
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.2',
    secureOptions: constants.SSL_OP_NO_TLSv1_1,
  });
const plantedCertPeer = () => tlsPeer({ key: planted.key, cert: planted.cert });

let work: string;
function file(name: string, text: string): string {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Runs

/** The built CLI, JSON first (its findings), then the same as text: both must be free of secrets. */
async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  o: { text?: boolean } = {},
): Promise<Outcome> {
  const json = await runFault([...args, '--output', 'json'], { env, timeoutMs: 30_000 });
  const emitted = [json.stdout, json.stderr];
  if (o.text !== false) {
    const text = await runFault(args, { env, timeoutMs: 30_000 });
    expect(text.code, 'the text run exits as the JSON run').toBe(json.code);
    emitted.push(text.stdout, text.stderr);
  }
  const parsed = json.stdout.trim() ? (JSON.parse(json.stdout) as { findings?: Finding[] }) : {};
  return { code: json.code, findings: parsed.findings ?? [], stderr: json.stderr, emitted, ms: json.ms };
}

/** Findings the CLI reported on stderr (`hsmwatch: STATUS ID TARGET: MESSAGE`, as `snapshot` does). */
function stderrFindings(stderr: string): Finding[] {
  return [...stderr.matchAll(/^hsmwatch: (fail|error|warn|skip) (\S+) (\S+): (.*)$/gm)].map((m) => ({
    status: m[1]!,
    id: m[2]!,
    target: m[3]!,
    message: m[4]!,
  }));
}

const AWS_ARGS = (url: string) => ['--region', 'us-east-1', '--endpoint-url', url];
/** Keeps the echo cases to the API calls (the TLS and clock probes have cases of their own). */
const NO_TLS = ['--skip-probe', 'tls-endpoints', '--skip-probe', 'clock-skew'];
const FAST = ['--ports', '2223', '--timeout', '300ms'];

/** Credentials only in ~/.aws/credentials of a temporary HOME: the SDK's shared-file source. */
function profileHome(): NodeJS.ProcessEnv {
  const home = join(work, 'home');
  mkdirSync(join(home, '.aws'), { recursive: true });
  writeFileSync(
    join(home, '.aws', 'credentials'),
    `[default]\naws_access_key_id = ${PLANTED.accessKeyId}\naws_secret_access_key = ${PLANTED.secretAccessKey}\naws_session_token = ${PLANTED.sessionToken}\n`,
  );
  return {
    HOME: home,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_SHARED_CREDENTIALS_FILE: undefined,
    AWS_CONFIG_FILE: undefined,
  };
}

/** The real agent against the echoing APIs and the planted-certificate TLS peer, until its report has them. */
async function agentRun(): Promise<Outcome> {
  requireBuild();
  const aws = await echoingAws('cluster');
  const tlsPort = await plantedCertPeer();
  const config = file(
    'agent.yaml',
    yaml({
      region: 'us-east-1',
      endpointUrl: aws.url,
      imds: { disabled: true },
      ports: [2223],
      timeout: '300ms',
      aws: { maxAttempts: 1, timeout: '2s' },
      caBundle: caFile,
      tls: { timeout: '2s', vpcEndpoints: { sts: `127.0.0.1:${tlsPort}` } },
      agent: { jitter: 0.05, intervals: { discovery: '2s', reachability: '1s' } },
      web: { listenAddress: '127.0.0.1:0' },
    }),
  );
  const t0 = performance.now();
  const agent = await startAgent(['--config', config], { env: { ...PLANTED_ENV, NO_COLOR: '1' } });
  try {
    const want = ['credentials.identity', 'tls.certificate', 'discovery.ec2'];
    const report = await waitFor({
      what: 'the agent report with the echoed errors and the planted certificate',
      timeoutMs: 20_000,
      intervalMs: 200,
      fn: async () => {
        const r = await fetch(`${agent.url}/report`);
        if (!r.ok) return null;
        const text = await r.text();
        const ids = (JSON.parse(text) as { findings: Finding[] }).findings.map((f) => f.id);
        return want.every((id) => ids.includes(id)) ? text : null;
      },
    });
    const ms = performance.now() - t0;
    const get = async (path: string, accept?: string) =>
      (await fetch(`${agent.url}${path}`, accept ? { headers: { accept } } : {})).text();
    const surfaces = [
      report,
      await get('/metrics'),
      await get('/metrics', 'application/openmetrics-text'),
      await get('/'),
    ];
    await agent.stop();
    const { code } = await agent.exited;
    return {
      code,
      findings: (JSON.parse(report) as { findings: Finding[] }).findings,
      stderr: agent.stderr(),
      emitted: [...surfaces, agent.stdout(), agent.stderr()],
      ms,
    };
  } finally {
    await agent.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The cases

const CASES: Case[] = [
  {
    name: 'CloudHSM error echoing X-Amz-Security-Token, Authorization and the body (planted env credentials)',
    run: async () => cli(['diagnose', ...AWS_ARGS((await echoingAws('echo')).url), ...NO_TLS]),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.cloudhsm',
          status: 'error',
          target: 'cloudhsmv2',
          message: /cannot list clusters: CloudHsmInvalidRequestException/,
        },
        { id: 'credentials.identity', status: 'error' },
      ],
      maxMs: 15_000,
    },
  },
  {
    name: 'STS error echoing the signing headers: credentials.identity is an error naming the code',
    run: async () => cli(['diagnose', ...AWS_ARGS((await echoingAws('cluster')).url), ...NO_TLS, ...FAST]),
    expect: {
      code: 1,
      findings: [
        {
          id: 'credentials.identity',
          status: 'error',
          target: 'credentials',
          message:
            /^sts:GetCallerIdentity: ValidationError: The security token included in the request is invalid/,
        },
      ],
      maxMs: 15_000,
    },
  },
  {
    name: 'EC2 errors echoing the signing headers and the form body: the path reads warn, naming the code',
    run: async () => cli(['diagnose', ...AWS_ARGS((await echoingAws('cluster')).url), ...NO_TLS, ...FAST]),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.ec2',
          status: 'warn',
          target: 'ec2:DescribeNetworkInterfaces',
          message: /cannot read ec2:DescribeNetworkInterfaces: InvalidParameterValue/,
        },
        { id: 'hsm.reachable', status: 'fail', target: /127\.0\.80\.61/ },
      ],
      maxMs: 15_000,
    },
  },
  {
    name: 'snapshot of echoing APIs: stderr and the file redacted, the file valid JSON with the AWS answers',
    run: async () => {
      const aws = await echoingAws('cluster');
      const out = join(work, 'snapshot.json');
      const r = await runFault(['snapshot', ...AWS_ARGS(aws.url), '--out', out], { timeoutMs: 30_000 });
      const text = readFileSync(out, 'utf8');
      const snap = JSON.parse(text) as { aws: Record<string, unknown> };
      expect(snap.aws['cloudhsmv2:DescribeClusters']).toEqual(CLUSTER);
      return {
        code: r.code,
        findings: stderrFindings(r.stderr),
        stderr: r.stderr,
        emitted: [r.stdout, r.stderr, text],
        ms: r.ms,
      };
    },
    expect: {
      code: 0,
      findings: [
        {
          id: 'discovery.ec2',
          status: 'warn',
          target: 'ec2:DescribeSubnets',
          message: /cannot read ec2:DescribeSubnets: InvalidParameterValue/,
        },
      ],
      maxMs: 15_000,
    },
  },
  {
    name: 'credentials from ~/.aws/credentials of a temporary HOME, echoed by STS: redacted as well',
    run: async () => {
      const r = await cli(
        ['diagnose', ...AWS_ARGS((await echoingAws('cluster')).url), ...NO_TLS, ...FAST],
        profileHome(),
      );
      const id = r.findings.find((f) => f.id === 'credentials.identity');
      expect(id?.evidence?.source).toBe('profile');
      return r;
    },
    expect: {
      code: 1,
      findings: [{ id: 'credentials.identity', status: 'error', message: /ValidationError/ }],
      maxMs: 15_000,
    },
  },
  {
    name: 'tls: a certificate whose names are the credentials (text that is no AWS answer at all)',
    run: async () => {
      const port = await plantedCertPeer();
      // Not vacuous: the check itself (before the output boundary) does carry the planted names.
      const raw = await checkEndpoint(
        { host: '127.0.0.1', port, label: 'test', aws: false },
        { timeoutMs: 2000, warnDays: 30 },
      );
      expect(JSON.stringify(raw.findings)).toContain(PLANTED.accessKeyId);
      return cli(['tls', `127.0.0.1:${port}`, '--ca-bundle', caFile, '--timeout', '2s']);
    },
    expect: {
      code: 1,
      findings: [
        { id: 'tls.certificate', status: 'fail', message: /does not match the name.*self-signed/ },
        { id: 'tls.handshake', status: 'pass' },
      ],
      maxMs: 10_000,
    },
  },
  {
    name: 'a usage error that echoes the argument: the session token given as a target',
    run: async () => {
      const r = await runFault(['tls', `${PLANTED.sessionToken}:99999`], { timeoutMs: 10_000 });
      return { code: r.code, findings: [], stderr: r.stderr, emitted: [r.stdout, r.stderr], ms: r.ms };
    },
    expect: { code: 2, findings: [], stderr: /^hsmwatch: command line: not a HOST\[:PORT\]: /, maxMs: 5000 },
  },
  {
    name: 'the agent: echoing APIs and the planted certificate; logs, /metrics, /report, status page clean',
    run: agentRun,
    expect: {
      // The exit of SIGTERM once the report was read.
      code: 0,
      findings: [
        { id: 'tls.certificate', status: 'fail', message: /does not match the name/ },
        { id: 'credentials.identity', status: 'error', message: /ValidationError/ },
        { id: 'discovery.ec2', status: 'warn', message: /InvalidParameterValue/ },
      ],
      maxMs: 20_000,
    },
  },
  {
    name: 'tls: TLS 1.0 only — no version in common, protocol below 1.2, TLSv1 accepted',
    run: async () => cli(['tls', `127.0.0.1:${await tls10Only()}`, '--ca-bundle', caFile, '--timeout', '2s']),
    expect: {
      code: 1,
      findings: [
        {
          id: 'tls.handshake',
          status: 'fail',
          message:
            /^no TLS version in common with this host's defaults: the endpoint accepts only TLSv1, this host offers TLSv1\.2 and later/,
        },
        {
          id: 'tls.protocol',
          status: 'fail',
          message: /newest protocol the endpoint accepts is TLSv1 .*below TLS 1\.2/,
        },
        { id: 'tls.versions', status: 'warn', message: /^accepts TLSv1 from this host/ },
        { id: 'tls.certificate', status: 'pass' },
      ],
      maxMs: 10_000,
    },
  },
  {
    name: 'tls: TLS 1.1 only — the same verdicts for TLSv1.1',
    run: async () => cli(['tls', `127.0.0.1:${await tls11Only()}`, '--ca-bundle', caFile, '--timeout', '2s']),
    expect: {
      code: 1,
      findings: [
        { id: 'tls.handshake', status: 'fail', message: /the endpoint accepts only TLSv1\.1,/ },
        { id: 'tls.protocol', status: 'fail', message: /is TLSv1\.1 .*below TLS 1\.2/ },
        { id: 'tls.versions', status: 'warn', message: /^accepts TLSv1\.1 from this host/ },
      ],
      maxMs: 10_000,
    },
  },
  {
    name: 'tls: TLS 1.0 and 1.2 (not 1.1) — TLS 1.2 negotiated, TLSv1 accepted warns',
    run: async () =>
      cli(['tls', `127.0.0.1:${await tls10And12()}`, '--ca-bundle', caFile, '--timeout', '2s']),
    expect: {
      code: 0,
      findings: [
        { id: 'tls.versions', status: 'warn', message: /^accepts TLSv1 from this host$/ },
        { id: 'tls.handshake', status: 'pass' },
        { id: 'tls.protocol', status: 'pass', message: /^negotiated TLSv1\.2/ },
      ],
      maxMs: 10_000,
    },
  },
  {
    name: 'diagnose, tls probe: an AWS endpoint override that speaks only TLS 1.0',
    run: async () => tlsProbe(await tls10Only()),
    expect: {
      code: 1,
      findings: [
        {
          id: 'tls.handshake',
          status: 'fail',
          message: /accepts only TLSv1, .*AWS API endpoints require TLS 1\.2 or later.*not the AWS endpoint/,
        },
        { id: 'tls.protocol', status: 'fail', message: /is TLSv1 .*below TLS 1\.2, which AWS requires/ },
        {
          id: 'tls.versions',
          status: 'warn',
          message: /AWS endpoints refuse them, so a middlebox answers here/,
        },
        { id: 'tls.intercepted', status: 'pass' },
      ],
      maxMs: 15_000,
    },
  },
  {
    name: 'diagnose, tls probe: an AWS endpoint override that speaks TLS 1.0 and 1.2',
    run: async () => tlsProbe(await tls10And12()),
    expect: {
      code: 0,
      findings: [
        { id: 'tls.protocol', status: 'warn', message: /^negotiated TLSv1\.2, not TLSv1\.3/ },
        {
          id: 'tls.versions',
          status: 'warn',
          message: /^accepts TLSv1 from this host: AWS endpoints refuse them/,
        },
        { id: 'tls.handshake', status: 'pass' },
      ],
      maxMs: 15_000,
    },
  },
];

/** `diagnose --probe tls-endpoints` with the peer as the STS endpoint (the test root as AWS's). */
function tlsProbe(port: number): Promise<Outcome> {
  const fingerprint = new X509Certificate(root.cert).fingerprint256;
  const config = file(
    `tls-${port}.yaml`,
    yaml({
      endpoints: { sts: `https://127.0.0.1:${port}` },
      tls: { timeout: '2s', awsRoots: [fingerprint] },
    }),
  );
  return cli([
    'diagnose',
    '--region',
    'us-east-1',
    '--hsm-ip',
    '127.0.80.62',
    '--probe',
    'tls-endpoints',
    '--endpoint-url',
    'http://127.0.0.1:9',
    '--ca-bundle',
    caFile,
    '--config',
    config,
  ]);
}

describe('fault suite: output (secrets redacted, TLS 1.0/1.1 verdicts)', () => {
  beforeAll(() => {
    requireBuild();
    work = mkdtempSync(join(tmpdir(), 'hsmwatch-faults-output-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    pki = new TestPki();
    cleanups.push(() => pki.cleanup());
    root = pki.issue('root', { subject: '/CN=hsmwatch fault suite root', ca: true, days: 3650 }, null);
    leaf = pki.issue(
      'leaf',
      { subject: '/CN=localhost', sans: ['IP:127.0.0.1', 'DNS:localhost'], days: 365 },
      root,
    );
    const esc = (s: string) => s.replace(/[/+]/g, '\\$&');
    planted = pki.issue(
      'planted',
      {
        subject: `/O=${PLANTED.accessKeyId}/OU=${esc(PLANTED.secretAccessKey)}/CN=${PLANTED.sessionToken.slice(0, 64)}`,
        days: 365,
      },
      null,
    );
    caFile = file('ca.pem', root.cert);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await c.run();
    for (const t of r.emitted) expectNoSecret(t);
    expect(r.code, r.stderr).toBe(c.expect.code);
    for (const want of c.expect.findings) {
      const got = r.findings.find(
        (f) =>
          f.id === want.id &&
          f.status === want.status &&
          (want.target === undefined ||
            (typeof want.target === 'string' ? f.target === want.target : want.target.test(f.target))),
      );
      expect(
        got,
        `${want.id} ${want.status} in ${JSON.stringify(r.findings.map((f) => [f.id, f.status, f.target]))}`,
      ).toBeDefined();
      if (want.message) expect(got!.message).toMatch(want.message);
    }
    // No raw OpenSSL error line, ever: a reason in words.
    for (const f of r.findings) expect(f.message).not.toMatch(/SSL routines|deps\/openssl/);
    if (c.expect.stderr) expect(r.stderr).toMatch(c.expect.stderr);
    expect(r.ms).toBeLessThan(c.expect.maxMs);
  });
});
