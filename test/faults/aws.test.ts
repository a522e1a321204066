// Fault suite, AWS APIs and IMDS: answers that trickle, are garbage, truncated, HTML, empty, errors,
// throttling, an echo of the request's signing headers; an IMDS that is slow with many interfaces,
// answers a garbage region or escape bytes, or is silent. Each case starts real peers on loopback,
// runs the built CLI with planted credentials, and checks the exit code, the findings (id, status,
// the cause named), the time under the deadline, and that no planted secret, SDK internals or
// control characters appear. Then the real agent against a trickling endpoint: open descriptors and
// connections stay bounded over many rounds, and cloudhsm_aws_api_errors_total counts every call.
//
// Expected outcomes from AWS documentation: DryRun answers DryRunOperation (HTTP 412) when allowed
// and UnauthorizedOperation otherwise — a 200 that is not the operation's answer proves nothing
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/CommonParameters.html, DryRun);
// GetCallerIdentity always returns Account, Arn and UserId
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html); the IMDSv2 hop
// limit applies to the token PUT's response, so a plain IMDSv1 GET is still answered from a
// container (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html);
// a region name is like us-east-1 (https://docs.aws.amazon.com/general/latest/gr/rande.html).

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/aws/operations.js';
import { requireBuild, startAgent, waitFor } from '../agent/helpers.js';
import { awsPeer, ec2Error, HSM_IP, imdsPeer, imdsTree, MAC, operationOf } from './aws-peers.js';
import { expectNoSecret, type HostilePeer, hostileHttp, PLANTED, runFault, trickle } from './support.js';

interface Finding {
  id: string;
  status: string;
  target: string;
  message: string;
}

interface Expected {
  code: number;
  findings: Array<{ id: string; status: string; target?: string; message?: RegExp }>;
  /** Finding ids (patterns) that must not be reported. */
  absent?: RegExp[];
  maxMs: number;
}

interface Setup {
  peers: HostilePeer[];
  args: string[];
  config: Record<string, unknown>;
}

interface Case {
  name: string;
  start: () => Promise<Setup>;
  expect: Expected;
}

const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-faults-aws-'));
const peers: HostilePeer[] = [];
afterAll(async () => {
  for (const p of peers) await p.close();
});

// Short deadlines: each attempt 1 s, two attempts (this SDK makes maxAttempts + 1).
const AWS = { timeout: '1s', maxAttempts: 1 };
const AWS_ONLY = ['--probe', 'credentials', '--probe', 'permissions'];

/** A hostile AWS endpoint for every API, and diagnose pointed at it with IMDS off. */
function onAws(spoil: Parameters<typeof awsPeer>[0]): () => Promise<Setup> {
  return async () => {
    const aws = await awsPeer(spoil);
    return {
      peers: [aws],
      args: ['--region', 'us-east-1', ...AWS_ONLY],
      config: { endpointUrl: aws.url, aws: AWS },
    };
  };
}

/** A hostile IMDS and a well-behaved AWS endpoint. */
function onImds(o: Parameters<typeof imdsPeer>[0], args = ['--region', 'us-east-1']): () => Promise<Setup> {
  return async () => {
    const imds = await imdsPeer(o);
    const aws = await awsPeer(() => false);
    return {
      peers: [imds, aws],
      args: [...args, '--probe', 'credentials'],
      config: { endpointUrl: aws.url, aws: AWS, imds: { endpoint: imds.url, timeout: '1s' } },
    };
  };
}

/** Runs the answer and says it answered (for the `spoil` functions). */
function did(answer: () => void): true {
  answer();
  return true;
}

const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const xml = (res: import('node:http').ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(body);
};
const NO_INTERNALS = [
  /SyntaxError/,
  /Unexpected token/,
  /\$response/,
  /TypeError/,
  /Cannot read properties/,
  /Deserialization error/,
];

const CASES: Case[] = [
  {
    name: 'CloudHSM trickles its answer one byte every 0.5 s',
    start: onAws(({ operation }, _req, res) => operation === 'DescribeClusters' && did(() => trickle(res))),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.cloudhsm',
          status: 'error',
          message: /did not complete within 1000 ms.*still trickling/,
        },
      ],
      maxMs: 9000,
    },
  },
  {
    name: 'EC2 trickles DescribeSecurityGroups',
    start: onAws(
      ({ operation, dryRun }, _req, res) =>
        operation === 'DescribeSecurityGroups' && !dryRun && did(() => trickle(res)),
    ),
    expect: {
      code: 0,
      findings: [
        {
          id: 'discovery.ec2',
          status: 'warn',
          target: 'ec2:DescribeSecurityGroups',
          message: /still trickling/,
        },
        {
          id: 'discovery.ec2',
          status: 'skip',
          target: 'ec2',
          message: /not asked, the EC2 endpoint did not answer/,
        },
        { id: 'permissions.action', status: 'pass', target: 'ec2:DescribeSecurityGroups' },
      ],
      maxMs: 10000,
    },
  },
  {
    name: 'STS trickles GetCallerIdentity',
    start: onAws(({ operation }, _req, res) => operation === 'GetCallerIdentity' && did(() => trickle(res))),
    expect: {
      code: 1,
      findings: [
        {
          id: 'credentials.identity',
          status: 'error',
          message: /GetCallerIdentity: no answer in time.*still trickling/,
        },
        { id: 'permissions.action', status: 'skip', target: 'sts:GetCallerIdentity' },
      ],
      absent: [/^credentials\.expiry$/],
      maxMs: 9000,
    },
  },
  {
    name: 'CloudHSM answers garbage JSON',
    start: onAws(
      ({ operation }, _req, res) =>
        operation === 'DescribeClusters' && did(() => json(res, 200, '{"Clusters": [{"Cl\u0000')),
    ),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.cloudhsm',
          status: 'error',
          message: /answered garbage to DescribeClusters: HTTP 200, not JSON/,
        },
      ],
      maxMs: 6000,
    },
  },
  {
    name: 'CloudHSM closes the connection in the middle of its answer',
    start: onAws(({ operation }, _req, res) => {
      if (operation !== 'DescribeClusters') return false;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': '400' });
      res.write('{"Clusters": [{"ClusterId": "cluster-');
      setTimeout(() => res.socket?.destroy(), 50);
      return true;
    }),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.cloudhsm',
          status: 'error',
          message: /closed in the middle of the answer \(HTTP 200/,
        },
      ],
      maxMs: 6000,
    },
  },
  {
    name: 'every API answers an HTML page with HTTP 200',
    start: onAws((_s, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body><h1>Welcome to the hotel Wi-Fi</h1></body></html>');
      return true;
    }),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.cloudhsm',
          status: 'error',
          message: /garbage to DescribeClusters: HTTP 200, an HTML page, not an AWS answer.*hotel Wi-Fi/,
        },
        {
          id: 'credentials.identity',
          status: 'error',
          message: /garbage to GetCallerIdentity: HTTP 200, an HTML page/,
        },
      ],
      absent: [/^credentials\.expiry$/],
      maxMs: 6000,
    },
  },
  {
    name: 'EC2 answers truncated XML to DescribeSubnets',
    start: onAws(({ operation, dryRun }, _req, res) => {
      if (operation !== 'DescribeSubnets' || dryRun) return false;
      xml(
        res,
        200,
        '<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><subnetSet><item><subnetId>subnet-0',
      );
      return true;
    }),
    expect: {
      code: 0,
      findings: [
        {
          id: 'discovery.ec2',
          status: 'warn',
          target: 'ec2:DescribeSubnets',
          message: /garbage to DescribeSubnets: HTTP 200, not well-formed XML: <subnetId> is never closed/,
        },
      ],
      maxMs: 6000,
    },
  },
  {
    name: 'STS answers an empty 200',
    start: onAws(
      ({ operation }, _req, res) => operation === 'GetCallerIdentity' && did(() => xml(res, 200, '')),
    ),
    expect: {
      code: 1,
      findings: [
        {
          id: 'credentials.identity',
          status: 'error',
          message: /garbage to GetCallerIdentity: HTTP 200, an empty answer/,
        },
      ],
      absent: [/^credentials\.expiry$/],
      maxMs: 6000,
    },
  },
  {
    name: 'STS answers a well-formed identity without an account (not a pass)',
    start: onAws(({ operation }, _req, res) => {
      if (operation !== 'GetCallerIdentity') return false;
      xml(
        res,
        200,
        '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>',
      );
      return true;
    }),
    expect: {
      code: 1,
      findings: [
        { id: 'credentials.identity', status: 'error', message: /without the account, ARN and user id/ },
      ],
      absent: [/^credentials\.expiry$/],
      maxMs: 6000,
    },
  },
  {
    name: 'EC2 answers a DryRun with a garbage HTTP 200 (not "allowed")',
    start: onAws(({ operation, dryRun }, _req, res) => {
      if (operation !== 'DescribeSubnets' || !dryRun) return false;
      xml(res, 200, 'OK');
      return true;
    }),
    expect: {
      code: 0,
      findings: [
        {
          id: 'permissions.action',
          status: 'skip',
          target: 'ec2:DescribeSubnets',
          message: /unknown \(DryRun: the endpoint answered garbage to DescribeSubnets: HTTP 200/,
        },
      ],
      maxMs: 6000,
    },
  },
  {
    name: 'CloudHSM answers HTTP 500 CloudHsmInternalFailureException',
    start: onAws(
      ({ operation }, _req, res) =>
        operation === 'DescribeClusters' &&
        did(() => json(res, 500, { __type: 'CloudHsmInternalFailureException', message: 'internal' })),
    ),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.cloudhsm',
          status: 'error',
          message: /AWS answered 500 CloudHsmInternalFailureException/,
        },
      ],
      maxMs: 6000,
    },
  },
  {
    name: 'CloudHSM answers 503 HTML with Retry-After: 3600 (the SDK would sleep an hour)',
    start: onAws(({ operation }, _req, res) => {
      if (operation !== 'DescribeClusters') return false;
      res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '3600' });
      res.end('<html><body>503 Service Unavailable</body></html>');
      return true;
    }),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.cloudhsm',
          status: 'error',
          message: /garbage to DescribeClusters: HTTP 503, an HTML page/,
        },
      ],
      maxMs: 8000,
    },
  },
  {
    name: 'CloudHSM throttles every call',
    start: onAws(
      ({ operation }, _req, res) =>
        operation === 'DescribeClusters' &&
        did(() => json(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' })),
    ),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.cloudhsm',
          status: 'error',
          message: /throttled \(ThrottlingException\) after all retries/,
        },
      ],
      maxMs: 8000,
    },
  },
  {
    name: 'EC2 denies a DryRun (UnauthorizedOperation)',
    start: onAws(({ operation, dryRun }, _req, res) => {
      if (operation !== 'DescribeRouteTables' || !dryRun) return false;
      xml(res, 403, ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
      return true;
    }),
    expect: {
      code: 1,
      findings: [
        {
          id: 'permissions.action',
          status: 'fail',
          target: 'ec2:DescribeRouteTables',
          message: /denied \(UnauthorizedOperation\)/,
        },
      ],
      maxMs: 6000,
    },
  },
  {
    name: 'every API echoes the signing headers in its error message',
    start: onAws(({ operation }, req, res) => {
      const echoed = `The security token included in the request is invalid: ${req.headers['x-amz-security-token']} (${req.headers.authorization})`;
      if (operation === 'DescribeClusters') json(res, 400, { __type: 'OddValidationError', message: echoed });
      else if (operation === 'GetCallerIdentity')
        xml(
          res,
          400,
          `<ErrorResponse><Error><Type>Sender</Type><Code>OddValidationError</Code><Message>${echoed}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
        );
      else xml(res, 400, `<html><body>${echoed}</body></html>`);
      return true;
    }),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.cloudhsm',
          status: 'error',
          message: /OddValidationError: The security token included in the request is invalid/,
        },
        { id: 'credentials.identity', status: 'error', message: /OddValidationError/ },
        {
          id: 'permissions.action',
          status: 'skip',
          target: 'ec2:DescribeSubnets',
          message: /garbage to DescribeSubnets: HTTP 400, an HTML page/,
        },
      ],
      maxMs: 6000,
    },
  },
  {
    name: 'IMDS answers every request after 0.9 s, with 15 interfaces',
    start: onImds({ delayMs: 900, tree: imdsTree(15) }),
    expect: {
      code: 0,
      findings: [
        {
          id: 'discovery.imds',
          status: 'warn',
          message: /IMDS answered too slowly: \d+ of 15 network interfaces read within the 5000 ms deadline/,
        },
      ],
      maxMs: 12000,
    },
  },
  {
    name: 'IMDS answers a garbage region',
    start: onImds({ tree: new Map([...imdsTree(), ['placement/region', 'us-east-1\r\nX-Injected: 1']]) }, []),
    expect: {
      // No region at all is a configuration error (README: exit 2, pass --region).
      code: 2,
      findings: [
        {
          id: 'discovery.imds',
          status: 'error',
          message:
            /IMDS answered garbage: placement\/region "us-east-1\?\?X-Injected: 1" is not an AWS region name/,
        },
        { id: 'discovery.region', status: 'fail', message: /no AWS region/ },
      ],
      absent: [/^route\./, /^path\./],
      maxMs: 6000,
    },
  },
  {
    name: 'IMDS answers escape bytes in values',
    start: onImds({
      tree: new Map([
        ...imdsTree(),
        ['placement/availability-zone', 'us-east-1a\u001b[2J\u001b[31m'],
        [
          `network/interfaces/macs/${MAC(0)}/security-group-ids`,
          'sg-0fa0175000000002\nsg-\u001b]0;owned\u0007',
        ],
        [`network/interfaces/macs/${MAC(0)}/local-ipv4s`, '127.0.80.10\n10.0.0.\u009b1m'],
      ]),
    }),
    expect: {
      code: 0,
      findings: [
        {
          id: 'discovery.imds',
          status: 'warn',
          message: /availability-zone "us-east-1a\?\[2J\?\[31m" is not an availability zone name/,
        },
      ],
      absent: [/^route\./],
      maxMs: 6000,
    },
  },
  {
    name: 'IMDS is silent to the token PUT and to a plain GET (not the hop limit)',
    start: onImds({ silentPut: true, silentPlainGet: true }),
    expect: {
      code: 0,
      findings: [
        {
          id: 'discovery.imds',
          status: 'skip',
          message: /neither the token PUT \(.*1000 ms\) nor a plain GET \(.*1000 ms\) was answered/,
        },
      ],
      absent: [/^discovery\.imds-hop-limit$/],
      maxMs: 7000,
    },
  },
  {
    name: 'IMDS is silent to the token PUT only (the hop limit)',
    start: onImds({ silentPut: true }),
    expect: {
      code: 1,
      findings: [
        {
          id: 'discovery.imds-hop-limit',
          status: 'fail',
          message: /token request got no answer while plain metadata requests did.*hop limit/,
        },
      ],
      maxMs: 6000,
    },
  },
];

// Control characters other than newline and tab, raw or as JSON escapes: none may reach the output.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|\\u00(?:[01][0-9a-f]|7f|[89][0-9a-f])/i;

describe('fault suite: AWS APIs and IMDS', () => {
  requireBuild();
  it.concurrent.each(CASES)('$name', async (c) => {
    const setup = await c.start();
    peers.push(...setup.peers);
    const config = join(dir, `${CASES.indexOf(c)}.yaml`);
    writeFileSync(config, JSON.stringify(setup.config));
    const r = await runFault(['diagnose', '--config', config, '--output', 'json', ...setup.args], {
      timeoutMs: 30_000,
    });
    const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
    const shown = findings.map((f) => `${f.id} ${f.status} ${f.target}: ${f.message}`).join('\n');
    expect(r.code, shown + r.stderr).toBe(c.expect.code);
    for (const want of c.expect.findings) {
      const got = findings.find(
        (f) =>
          f.id === want.id &&
          f.status === want.status &&
          (want.target === undefined || f.target === want.target),
      );
      expect(got, `${want.id} ${want.status} ${want.target ?? ''} among\n${shown}`).toBeDefined();
      if (want.message) expect(got!.message).toMatch(want.message);
    }
    for (const id of c.expect.absent ?? [])
      expect(
        findings.filter((f) => id.test(f.id)),
        shown,
      ).toEqual([]);
    expect(r.ms).toBeLessThan(c.expect.maxMs);
    for (const re of NO_INTERNALS) expect(r.all).not.toMatch(re);
    expect(r.all).not.toMatch(CONTROL);
    expectNoSecret(r.all, JSON.stringify(findings));
    await Promise.all(setup.peers.map((p) => p.close()));
  });
});

// ---------------------------------------------------------------------------------------------
// The agent against an endpoint that trickles every answer: its AWS process gives up on each
// request at its deadline and its connections go with it, round after round.

const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const childCount = (pid: number) =>
  readdirSync(`/proc/${pid}/task`)
    .map((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim())
    .join(' ')
    .split(/\s+/)
    .filter(Boolean).length;

describe('fault suite: the agent against a trickling AWS endpoint', () => {
  it('keeps descriptors and connections bounded and counts every failed call by kind', async () => {
    requireBuild();
    const aws = await hostileHttp((req, res, body) => {
      void operationOf(req, body);
      trickle(res, 200);
    });
    peers.push(aws);
    // How long each connection lived: an abandoned request must go at its deadline, not when the
    // AWS process is stopped or exits.
    const lifetimes: number[] = [];
    aws.server.on('connection', (s) => {
      const t0 = performance.now();
      s.on('close', () => lifetimes.push(performance.now() - t0));
    });
    const config = join(dir, 'agent.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        endpointUrl: aws.url,
        region: 'us-east-1',
        hsmIps: [HSM_IP],
        aws: { timeout: '500ms', maxAttempts: 1 },
        probes: { only: ['reachability', 'credentials', 'permissions'] },
        agent: { jitter: 0.05, defaultInterval: '1s', intervals: { reachability: '1s', discovery: '1s' } },
        web: { listenAddress: '127.0.0.1:0' },
      }),
    );
    const agent = await startAgent(['--config', config], { env: { ...PLANTED_ENV_FOR_AGENT } });
    try {
      const pid = agent.proc.pid!;
      const metric = async () => (await fetch(`${agent.url}/metrics`)).text();
      const runs = async () =>
        Number(
          /cloudhsm_probe_runs_total\{probe="credentials",result="ok"\} (\d+)/.exec(await metric())?.[1] ?? 0,
        );
      // Settle: the first rounds load everything the agent keeps.
      await waitFor({
        what: 'two rounds of the credentials probe',
        timeoutMs: 30_000,
        fn: async () => (await runs()) >= 2,
      });
      const fds0 = fdCount(pid);
      const rounds0 = await runs();
      const samples: Array<{ fds: number; sockets: number; children: number }> = [];
      await waitFor({
        what: 'eight more rounds',
        timeoutMs: 60_000,
        intervalMs: 500,
        fn: async () => {
          samples.push({ fds: fdCount(pid), sockets: aws.openSockets(), children: childCount(pid) });
          return (await runs()) >= rounds0 + 8;
        },
      });
      // The AWS process exits after each task; the agent's descriptors do not grow with the rounds,
      // and the endpoint never holds more connections than the tasks in flight make.
      expect(Math.max(...samples.map((s) => s.fds)), JSON.stringify(samples)).toBeLessThanOrEqual(fds0 + 12);
      expect(fdCount(pid)).toBeLessThanOrEqual(fds0 + 8);
      // The permissions probe sends its DryRuns at once; the other probes hold a few more.
      const dryRuns = OPERATIONS.filter((o) => o.dryRun).length;
      expect(Math.max(...samples.map((s) => s.sockets))).toBeLessThanOrEqual(dryRuns + 8);
      // At most one AWS process per probe in flight (agent.maxConcurrentProbes 4), none left behind.
      expect(Math.max(...samples.map((s) => s.children))).toBeLessThanOrEqual(4);
      // 500 ms per attempt: every connection closed within it (and some slack), never held open.
      expect(lifetimes.length).toBeGreaterThan(20);
      expect(Math.max(...lifetimes)).toBeLessThan(1500);
      const text = await metric();
      const errors = text.split('\n').filter((l) => l.startsWith('cloudhsm_aws_api_errors_total{'));
      // Every operation's failures, with the kind when AWS gave no code.
      expect(errors.join('\n')).toMatch(/service="sts",operation="GetCallerIdentity",code="timeout"/);
      expect(errors.join('\n')).toMatch(/service="ec2",operation="DescribeSubnets",code="timeout"/);
      for (const l of errors) expect(l).toMatch(/code="(timeout|network|garbage)"/);
      const report = await (await fetch(`${agent.url}/report`)).text();
      const page = await (await fetch(`${agent.url}/`)).text();
      expectNoSecret(agent.stdout(), agent.stderr(), text, report, page);
    } finally {
      await agent.stop();
    }
  }, 120_000);
});

const PLANTED_ENV_FOR_AGENT: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: PLANTED.accessKeyId,
  AWS_SECRET_ACCESS_KEY: PLANTED.secretAccessKey,
  AWS_SESSION_TOKEN: PLANTED.sessionToken,
  AWS_EC2_METADATA_DISABLED: 'true',
};
