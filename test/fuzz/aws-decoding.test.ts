// What hsmwatch parses of AWS and IMDS answers meets whatever an endpoint sends: the wire checks of
// the decoding layer (src/aws/wire-check.ts), the real SDK clients with that layer against a loopback
// server answering fuzzed bodies (EC2 XML, CloudHSM JSON, STS XML), the CloudHSM answer → targets
// step, the error classification, and the IMDS answer parsing. No input throws out of them; each
// yields a value or a typed error. Inputs found and fixed are kept as regression cases below.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCloudHsmClient, makeEc2Client, makeStsClient } from '../../src/aws/clients.js';
import { isAwsGarbage } from '../../src/aws/decode.js';
import { classifyAwsError, describeFailure, metricCode } from '../../src/aws/errors.js';
import { answerProblem, jsonObject, xmlRoot } from '../../src/aws/wire-check.js';
import { resolveSettings } from '../../src/config/settings.js';
import { describeAllClusters } from '../../src/discovery/cloudhsm.js';
import { clustersToTargets } from '../../src/discovery/clusters.js';
import { discoverEc2 } from '../../src/discovery/ec2.js';
import { ENI_PATHS, type EniAnswers, parseEni, parseIdentity } from '../../src/discovery/imds-answers.js';
import { vpcEstate } from '../../src/discovery/vpc.js';
import { emptySnapshot } from '../../src/snapshot/format.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const RUNS = { numRuns: 300 };

// ---------------------------------------------------------------------------------------------
// Generators

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/);
const text = fc.string({ maxLength: 12 }).map((s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;'));

interface El {
  name: string;
  attrs: Array<[string, string]>;
  children: Array<El | string>;
}
const element: fc.Arbitrary<El> = fc.letrec<{ el: El }>((tie) => ({
  el: fc.record({
    name,
    attrs: fc.array(
      fc.tuple(
        name,
        text.map((t) => t.replace(/"/g, '&quot;')),
      ),
      { maxLength: 2 },
    ),
    children: fc.array(fc.oneof({ depthSize: 'small', withCrossShrink: true }, text, tie('el')), {
      maxLength: 4,
    }),
  }),
})).el;

const render = (e: El): string => {
  const attrs = [...new Map(e.attrs)].map(([k, v]) => ` ${k}="${v}"`).join('');
  const inner = e.children.map((c) => (typeof c === 'string' ? c : render(c))).join('');
  return inner === '' ? `<${e.name}${attrs}/>` : `<${e.name}${attrs}>${inner}</${e.name}>`;
};

/** Text an endpoint might send: a document, a cut one, one with bytes spliced in, or anything. */
const hostileText = (valid: fc.Arbitrary<string>) =>
  fc.oneof(
    valid,
    valid.chain((v) => fc.nat(v.length).map((n) => v.slice(0, n))),
    fc
      .tuple(valid, fc.nat(), fc.string({ minLength: 1, maxLength: 4, unit: 'binary' }))
      .map(([v, at, junk]) => v.slice(0, at % (v.length + 1)) + junk + v.slice(at % (v.length + 1))),
    fc.string({ maxLength: 60, unit: 'binary' }),
    fc.constantFrom(
      '',
      ' ',
      '<html><body>Bad gateway</body></html>',
      '<!DOCTYPE html><p>hi',
      'null',
      '[]',
      '{}',
    ),
  );

// ---------------------------------------------------------------------------------------------
// The wire checks, pure

describe('the decoding layer: wire checks', () => {
  it('finds the root of any well-formed document, and rejects every truncation of it', () => {
    fc.assert(
      fc.property(element, fc.boolean(), (el, decl) => {
        const doc = `${decl ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}${render(el)}`;
        expect(xmlRoot(doc)).toEqual({ ok: true, root: el.name });
        const cut = doc.slice(0, Math.max(0, doc.length - 1 - (doc.length % 7)));
        expect(xmlRoot(cut).ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('never throws on any text or bytes, and says why an answer is not one', () => {
    const formats = fc.constantFrom('json' as const, 'ec2-xml' as const, 'query-xml' as const);
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      hostileText(element.map(render)).map((s) => new TextEncoder().encode(s)),
    );
    fc.assert(
      fc.property(formats, fc.constantFrom(200, 204, 400, 403, 412, 500, 503), body, (format, status, b) => {
        const problem = answerProblem(format, 'DescribeSubnets', status, b);
        expect(problem === null || (typeof problem === 'string' && problem.length > 0)).toBe(true);
      }),
      RUNS,
    );
  });

  it('accepts a JSON object and rejects every strict prefix of it', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 })), (obj) => {
        const t = JSON.stringify(obj);
        expect(jsonObject(t).ok).toBe(true);
        for (const n of [0, 1, t.length >> 1, t.length - 1]) expect(jsonObject(t.slice(0, n)).ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('classifies objects that cannot be turned into text (a counterexample fast-check found)', () => {
    const hostile = [
      { toString: undefined },
      { message: { toString: undefined, valueOf: undefined } },
      { name: { toString: undefined }, $metadata: { httpStatusCode: { valueOf: undefined } } },
      Object.create(null),
    ];
    for (const e of hostile) {
      const f = classifyAwsError(e);
      expect(f.kind).toBe('client');
      expect(f.code).toBe('Unknown');
      expect(f.httpStatus).toBeUndefined();
      expect(describeFailure(f)).not.toMatch(CONTROL);
    }
  });

  it('classifies anything thrown, and describes it on one line without control characters', () => {
    const thrown = fc.oneof(
      fc.anything(),
      fc.record({
        name: fc.string({ maxLength: 20, unit: 'binary' }),
        code: fc.string({ maxLength: 20, unit: 'binary' }),
        message: fc.string({ maxLength: 200, unit: 'binary' }),
        $metadata: fc.record({ httpStatusCode: fc.integer({ min: 100, max: 599 }) }),
      }),
    );
    fc.assert(
      fc.property(thrown, (e) => {
        const f = classifyAwsError(e);
        const line = describeFailure(f);
        expect(line).not.toMatch(CONTROL);
        expect(metricCode(f)).toMatch(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The real SDK clients through the decoding layer, against a server answering fuzzed bodies

let server: Server;
let answer: { status: number; body: Buffer } = { status: 200, body: Buffer.alloc(0) };
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let form = '';
    req.on('data', (d) => {
      form += d;
    });
    req.on('end', () => {
      // %OP% in a fuzzed answer stands for the operation asked (its root element).
      const op = new URLSearchParams(form).get('Action') ?? 'Unknown';
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(Buffer.from(answer.body.toString('binary').replaceAll('%OP%', op), 'binary'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const settings = () => {
  const s = resolveSettings();
  s.endpointUrl = url;
  // One attempt: the fuzzed answers are not to be retried (the SDK adds one to maxAttempts).
  s.aws = { ...s.aws, timeoutMs: 2000, maxAttempts: 0 };
  return s;
};
const credentials = {
  accessKeyId: 'AKIDFUZZ000000000000',
  secretAccessKey: 'fuzz-secret-000000000000000000000000000',
};

/** The call's outcome: an answer, or an error that is garbage or a modeled AWS error — nothing else. */
async function outcome(send: () => Promise<unknown>): Promise<'answer' | 'garbage' | 'aws-error'> {
  try {
    await send();
    return 'answer';
  } catch (e) {
    if (isAwsGarbage(e)) return 'garbage';
    const err = e as { name?: string; $metadata?: unknown; message?: string };
    expect(err.$metadata, `${err.name}: ${err.message}`).toBeDefined();
    expect(err.name).not.toMatch(/^(SyntaxError|TypeError|RangeError|Error)$/);
    return 'aws-error';
  }
}

const statuses = fc.constantFrom(200, 200, 200, 400, 403, 412, 500);

const subnetXml = fc
  .array(
    fc.record({
      subnetId: fc.stringMatching(/^subnet-[0-9a-f]{8}$/),
      cidrBlock: fc.string({ maxLength: 10 }),
    }),
    { maxLength: 3 },
  )
  .map(
    (items) =>
      `<%OP%Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><subnetSet>${items
        .map(
          (i) =>
            `<item><subnetId>${i.subnetId}</subnetId><cidrBlock>${i.cidrBlock.replace(/[&<]/g, '')}</cidrBlock></item>`,
        )
        .join('')}</subnetSet></%OP%Response>`,
  );
const ec2ErrorXml = fc
  .tuple(
    fc.constantFrom('UnauthorizedOperation', 'DryRunOperation', 'RequestLimitExceeded', 'X'),
    fc.string({ maxLength: 20 }),
  )
  .map(
    ([code, msg]) =>
      `<Response><Errors><Error><Code>${code}</Code><Message>${msg.replace(/[&<]/g, '')}</Message></Error></Errors></Response>`,
  );
const clustersJson = fc
  .array(
    fc.record({
      ClusterId: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()),
      State: fc.string({ maxLength: 8 }),
      Hsms: fc.jsonValue({ maxDepth: 2 }),
    }),
    { maxLength: 3 },
  )
  .chain((Clusters) =>
    fc.oneof(
      fc.constant({ Clusters }),
      fc.record({ Clusters: fc.jsonValue({ maxDepth: 2 }), NextToken: fc.jsonValue({ maxDepth: 1 }) }),
    ),
  )
  .map((o) => JSON.stringify(o));
const identityXml = fc
  .record(
    {
      Arn: fc.string({ maxLength: 30 }),
      Account: fc.oneof(fc.stringMatching(/^\d{12}$/), fc.string({ maxLength: 12 })),
      UserId: fc.string({ maxLength: 10 }),
    },
    { requiredKeys: [] },
  )
  .map(
    (r) =>
      `<GetCallerIdentityResponse><GetCallerIdentityResult>${Object.entries(r)
        .map(([k, v]) => `<${k}>${String(v).replace(/[&<]/g, '')}</${k}>`)
        .join('')}</GetCallerIdentityResult></GetCallerIdentityResponse>`,
  );

const bytes = (s: string) => Buffer.from(s, 'binary');

describe('the decoding layer: the SDK clients against fuzzed answers', () => {
  it('EC2 XML: an answer or a typed error; the reads of discovery and the VPC facts never throw', async () => {
    const ec2 = await makeEc2Client({ settings: settings(), region: 'us-east-1', credentials });
    const client = {
      instanceId: 'i-0123456789abcdef0',
      region: 'us-east-1',
      availabilityZone: 'us-east-1a',
      enis: [
        {
          eniId: 'eni-0123456789abcdef0',
          mac: '0a:1b:2c:3d:4e:5f',
          deviceNumber: 0,
          subnetId: 'subnet-01234567',
          vpcId: 'vpc-01234567',
          securityGroupIds: ['sg-01234567'],
          privateIps: ['10.0.0.5'],
          ipv6s: [],
        },
      ],
    };
    try {
      await fc.assert(
        fc.asyncProperty(statuses, hostileText(fc.oneof(subnetXml, ec2ErrorXml)), async (status, body) => {
          answer = { status, body: bytes(body) };
          await outcome(() => ec2.send(new DescribeSubnetsCommand({})));
          // The product's path: every read of discovery (the same answer to each), then the facts.
          const r = await discoverEc2(ec2, {
            client,
            clusters: [],
            targets: [],
            signal: AbortSignal.timeout(10_000),
          });
          for (const f of r.findings) expect(f.message).not.toMatch(CONTROL);
          vpcEstate({ ...emptySnapshot(new Date(0), 'us-east-1', client.instanceId), aws: r.aws });
        }),
        { numRuns: 120 },
      );
    } finally {
      ec2.destroy();
    }
  });

  it('CloudHSM JSON: every page of DescribeClusters as a value or a typed failure, then the targets', async () => {
    const hsm = await makeCloudHsmClient({ settings: settings(), region: 'us-east-1', credentials });
    try {
      await fc.assert(
        fc.asyncProperty(statuses, hostileText(clustersJson), async (status, body) => {
          answer = { status, body: bytes(body) };
          await outcome(() => hsm.send(new DescribeClustersCommand({})));
          const r = await describeAllClusters(hsm, [], AbortSignal.timeout(10_000));
          if (!r.ok) {
            expect(describeFailure(r.failure)).not.toMatch(CONTROL);
            return;
          }
          const view = clustersToTargets(r.clusters, [], 'us-east-1');
          for (const t of view.targets) expect(typeof t.ip).toBe('string');
          for (const f of view.findings) expect(`${f.target} ${f.message}`).not.toMatch(CONTROL);
        }),
        { numRuns: 300 },
      );
    } finally {
      hsm.destroy();
    }
  });

  it('STS XML: an identity with account, ARN and user id, or a typed error', async () => {
    const sts = await makeStsClient({ settings: settings(), region: 'us-east-1', credentials });
    try {
      await fc.assert(
        fc.asyncProperty(statuses, hostileText(identityXml), async (status, body) => {
          answer = { status, body: bytes(body) };
          let out: { Account?: string; Arn?: string } | undefined;
          const r = await outcome(async () => {
            out = await sts.send(new GetCallerIdentityCommand({}));
          });
          if (r === 'answer') {
            expect(out?.Account).toMatch(/^\d{12}$/);
            expect(out?.Arn).toMatch(/^arn:aws/);
          }
        }),
        { numRuns: 300 },
      );
    } finally {
      sts.destroy();
    }
  });

  // Found and fixed: each of these surfaced as an SDK internal, or was taken for an answer.
  it.each([
    [
      'STS truncated to an identity without an account (was: a pass, "account undefined")',
      'sts',
      200,
      '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>',
    ],
    [
      'STS cut inside the result (was: TypeError reading UserId)',
      'sts',
      200,
      '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1',
    ],
    ['STS answered with another root (was: TypeError)', 'sts', 200, '<Foo/>'],
    [
      'CloudHSM JSON cut (was: SyntaxError: Unexpected end of JSON input)',
      'cloudhsmv2',
      200,
      '{"Clusters": [',
    ],
    [
      'CloudHSM HTML 502 (was: SyntaxError: Unexpected token <)',
      'cloudhsmv2',
      502,
      '<html><body>Bad gateway</body></html>',
    ],
    ['CloudHSM Clusters not a list', 'cloudhsmv2', 200, '{"Clusters": {"a": 1}}'],
    [
      'CloudHSM NextToken not a string (was: TypeError expected string)',
      'cloudhsmv2',
      200,
      '{"Clusters": [], "NextToken": 5}',
    ],
    ['EC2 error without Errors (was: TypeError reading Error)', 'ec2', 400, '<Response></Response>'],
    ['EC2 200 "OK" (was: a DryRun "allowed")', 'ec2', 200, 'OK'],
    [
      'EC2 truncated list (was: a shorter list of subnets)',
      'ec2',
      200,
      '<DescribeSubnetsResponse><subnetSet><item><subnetId>subnet-0',
    ],
    ['EC2 empty 200', 'ec2', 200, ''],
  ] as const)('%s', async (_what, service, status, body) => {
    answer = { status, body: bytes(body) };
    const o = { settings: settings(), region: 'us-east-1', credentials };
    const client =
      service === 'sts'
        ? await makeStsClient(o)
        : service === 'ec2'
          ? await makeEc2Client(o)
          : await makeCloudHsmClient(o);
    try {
      const command =
        service === 'sts'
          ? new GetCallerIdentityCommand({})
          : service === 'ec2'
            ? new DescribeSubnetsCommand({})
            : new DescribeClustersCommand({});
      const e = await (client.send as (c: unknown) => Promise<unknown>)(command).then(
        () => null,
        (err: unknown) => err,
      );
      expect(isAwsGarbage(e), String(e)).toBe(true);
      const f = classifyAwsError(e);
      expect(f.kind).toBe('garbage');
      expect(f.httpStatus).toBe(status);
      expect(describeFailure(f)).toMatch(
        /^the endpoint answered garbage to (GetCallerIdentity|DescribeClusters|DescribeSubnets): HTTP \d+, /,
      );
    } finally {
      client.destroy();
    }
  });
});

describe('CloudHSM answers → clusters and targets', () => {
  const value = fc.oneof(
    fc.string({ maxLength: 20, unit: 'binary' }),
    fc.constantFrom('ACTIVE', 'DEGRADED', 'cluster-abcdefghijk', '10.0.0.1', 'fd00::1'),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const hsm = fc.dictionary(
    fc.constantFrom(
      'HsmId',
      'State',
      'StateMessage',
      'EniId',
      'EniIp',
      'EniIpV6',
      'SubnetId',
      'AvailabilityZone',
    ),
    value,
  );
  const cluster = fc.dictionary(
    fc.constantFrom(
      'ClusterId',
      'State',
      'StateMessage',
      'SecurityGroup',
      'VpcId',
      'SubnetMapping',
      'NetworkType',
      'Certificates',
      'Hsms',
    ),
    fc.oneof(value, fc.array(hsm, { maxLength: 3 })),
  );
  it('never throw, and what they show has no control characters', () => {
    fc.assert(
      fc.property(
        fc.array(cluster, { maxLength: 4 }),
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 2 }),
        (raw, ids) => {
          const view = clustersToTargets(raw as never[], ids, 'us-east-1');
          for (const f of view.findings) expect(`${f.target} ${f.message}`).not.toMatch(CONTROL);
          for (const t of view.targets) expect([4, 6]).toContain(t.family);
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// IMDS answers

const imdsValue = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.constantFrom(
    'i-0123456789abcdef0',
    'us-east-1',
    'us-east-1a',
    'eni-0123456789abcdef0',
    '10.0.0.1\n10.0.0.2',
    '0a:1b:2c:3d:4e:5f/',
    'fe80::1',
  ),
);

describe('IMDS answers', () => {
  it('yield an instance whose every value has the shape AWS gives it, or a typed problem', () => {
    fc.assert(
      fc.property(
        fc.record({ instanceId: imdsValue, availabilityZone: imdsValue, region: imdsValue, macs: imdsValue }),
        (a) => {
          const id = parseIdentity(a);
          if (!id.ok) {
            expect(id.problem).not.toMatch(CONTROL);
            return;
          }
          expect(id.instanceId).toMatch(/^i-[0-9a-z]{8,17}$/);
          if (id.region !== null) expect(id.region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/);
          for (const m of id.macs) expect(m).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
          for (const p of id.problems) expect(p).not.toMatch(CONTROL);
        },
      ),
      RUNS,
    );
  });

  it('yield an interface of checked values, or none, never a throw', () => {
    const fields = Object.fromEntries(Object.keys(ENI_PATHS).map((k) => [k, imdsValue])) as Record<
      keyof EniAnswers,
      typeof imdsValue
    >;
    fc.assert(
      fc.property(fc.record(fields), (a) => {
        const { eni, problems } = parseEni('0a:1b:2c:3d:4e:5f', a as EniAnswers);
        for (const p of problems) expect(p).not.toMatch(CONTROL);
        if (!eni) return;
        expect(eni.eniId).toMatch(/^eni-[0-9a-z]{8,17}$/);
        for (const ip of eni.privateIps) expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        for (const v of [eni.subnetId, eni.vpcId, ...eni.securityGroupIds, ...eni.ipv6s])
          if (v !== null) expect(v).not.toMatch(CONTROL);
        if (eni.deviceNumber !== null) expect(eni.deviceNumber).toBeLessThanOrEqual(255);
      }),
      RUNS,
    );
  });

  // Found and fixed: a region with a header injected (every AWS call failed with "Invalid character
  // in header content"), escape bytes that reached the terminal, a MAC list with garbage.
  it.each([
    ['us-east-1\r\nX-Injected: 1', 'placement/region "us-east-1??X-Injected: 1" is not an AWS region name'],
    ['\u001b[31mus-east-1', 'placement/region "?[31mus-east-1" is not an AWS region name'],
    ['us east 1', 'placement/region "us east 1" is not an AWS region name'],
  ])('rejects the region %j', (region, problem) => {
    expect(
      parseIdentity({ instanceId: 'i-0123456789abcdef0', availabilityZone: null, region, macs: null }),
    ).toEqual({
      ok: false,
      problem,
    });
  });

  it('drops malformed values and says so', () => {
    const id = parseIdentity({
      instanceId: 'i-0123456789abcdef0',
      availabilityZone: 'us-east-1a\u001b[2J',
      region: null,
      macs: '0a:1b:2c:3d:4e:5f/\n<html>\n',
    });
    expect(id).toEqual({
      ok: true,
      instanceId: 'i-0123456789abcdef0',
      availabilityZone: null,
      region: null,
      macs: ['0a:1b:2c:3d:4e:5f'],
      problems: [
        'placement/availability-zone "us-east-1a?[2J" is not an availability zone name',
        '1 line(s) of network/interfaces/macs/ are not MAC addresses',
      ],
    });
  });
});
