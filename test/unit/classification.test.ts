import { describe, expect, it } from 'vitest';
import { clientEniFor, summarise } from '../../probes/hsm-reachability.js';
import { resolveEndpoint } from '../../src/aws/endpoints.js';
import { classifyAwsError } from '../../src/aws/errors.js';
import { DEFAULTS } from '../../src/config/settings.js';
import { clustersToTargets } from '../../src/discovery/clusters.js';
import type { HsmTarget } from '../../src/model/index.js';
import { classifyConnectError } from '../../src/net/tcp-connect.js';
import { exitCodeFor } from '../../src/report/build.js';
import { nftRules } from '../../src/sim/netns.js';

describe('connect error classification', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['EPERM', 'error'],
    ['EACCES', 'error'],
    ['EADDRNOTAVAIL', 'error'],
    ['ECONNRESET', 'error'],
    [undefined, 'error'],
  ])('%s → %s', (code, state) => {
    expect(classifyConnectError(code)).toBe(state);
  });
});

const target: HsmTarget = {
  clusterId: 'cluster-abcdefghijk',
  hsmId: 'hsm-abcdefghijk',
  eniId: 'eni-1',
  ip: '10.0.1.12',
  family: 4,
  az: 'us-east-1a',
  subnetId: 'subnet-1',
  state: 'ACTIVE',
};

describe('per-HSM finding', () => {
  it('passes when every port is open', () => {
    const f = summarise(
      target,
      [2223, 2224, 2225].map((port) => ({ port, r: { state: 'open' as const, connectMs: 0.4 } })),
    );
    expect(f).toMatchObject({
      id: 'hsm.reachable',
      status: 'pass',
      target: 'cluster-abcdefghijk/hsm-abcdefghijk 10.0.1.12',
    });
    expect(f.remediation).toBeUndefined();
  });

  it('fails with each port state, the cause and a fix', () => {
    const f = summarise(target, [
      { port: 2223, r: { state: 'open', connectMs: 0.4 } },
      { port: 2224, r: { state: 'refused', connectMs: 0.2, errno: 'ECONNREFUSED' } },
      { port: 2225, r: { state: 'timeout', connectMs: 3000, errno: 'ETIMEDOUT' } },
    ]);
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/^2223 open, 2224 refused, 2225 timeout after 3\.0s: /);
    expect(f.message).toContain('TCP reset');
    expect(f.message).toContain('security group or network ACL');
    expect(f.remediation).toContain('describe-clusters');
    expect(f.evidence.ports).toEqual({
      2223: { state: 'open', connectMs: 0.4 },
      2224: { state: 'refused', connectMs: 0.2, errno: 'ECONNREFUSED' },
      2225: { state: 'timeout', connectMs: 3000, errno: 'ETIMEDOUT' },
    });
  });

  it('is an error, not a fail, when only local errors happened', () => {
    const f = summarise(target, [{ port: 2223, r: { state: 'error', connectMs: 0.1, errno: 'EPERM' } }]);
    expect(f.status).toBe('error');
    expect(f.message).toContain('2223 error (EPERM)');
  });

  it('attributes a connection to the client ENI that owns its source address', () => {
    const enis = [
      {
        eniId: 'eni-a',
        mac: null,
        deviceNumber: 0,
        subnetId: null,
        vpcId: null,
        securityGroupIds: [],
        privateIps: ['10.0.0.5'],
        ipv6s: [],
      },
      {
        eniId: 'eni-b',
        mac: null,
        deviceNumber: 1,
        subnetId: null,
        vpcId: null,
        securityGroupIds: [],
        privateIps: ['10.0.9.5'],
        ipv6s: [],
      },
    ];
    expect(clientEniFor(enis, '10.0.9.5')).toBe('eni-b');
    expect(clientEniFor(enis, '127.0.0.1')).toBe('eni-a');
    expect(clientEniFor([], '10.0.9.5')).toBeNull();
  });
});

describe('exit codes', () => {
  const s = (o: Partial<Record<'pass' | 'warn' | 'fail' | 'skip' | 'error', number>>) => ({
    summary: { pass: 0, warn: 0, fail: 0, skip: 0, error: 0, ...o },
  });
  it.each([
    [s({ pass: 3 }), false, 0],
    [s({ pass: 3, skip: 2 }), false, 0],
    [s({ pass: 3, warn: 1 }), false, 0],
    [s({ pass: 3, warn: 1 }), true, 1],
    [s({ fail: 1 }), false, 1],
    [s({ error: 1 }), false, 1],
  ])('%j strict=%s → %d', (report, strict, code) => {
    expect(exitCodeFor(report, strict)).toBe(code);
  });
});

describe('endpoint overrides', () => {
  const settings = { endpoints: {}, endpointUrl: undefined };
  it('follows the AWS precedence', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_CLOUDHSM_V2: 'http://127.0.0.1:2',
    };
    expect(resolveEndpoint('cloudhsmv2', settings, env)).toEqual({
      url: 'http://127.0.0.1:2',
      source: 'AWS_ENDPOINT_URL_CLOUDHSM_V2',
    });
    expect(resolveEndpoint('ec2', settings, env)).toEqual({
      url: 'http://127.0.0.1:1',
      source: 'AWS_ENDPOINT_URL',
    });
    expect(resolveEndpoint('ec2', { ...settings, endpointUrl: 'http://127.0.0.1:3' }, env)?.url).toBe(
      'http://127.0.0.1:3',
    );
    expect(
      resolveEndpoint(
        'ec2',
        { endpoints: { ec2: 'http://127.0.0.1:4' }, endpointUrl: 'http://127.0.0.1:3' },
        env,
      )?.url,
    ).toBe('http://127.0.0.1:4');
    expect(
      resolveEndpoint('sts', settings, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
    ).toBeUndefined();
    expect(resolveEndpoint('sts', settings, {})).toBeUndefined();
  });
});

describe('AWS error classification', () => {
  const awsErr = (name: string, status: number) =>
    Object.assign(new Error('msg'), { name, $metadata: { httpStatusCode: status } });
  it.each([
    [awsErr('CloudHsmAccessDeniedException', 400), 'denied'],
    [awsErr('UnauthorizedOperation', 403), 'denied'],
    [awsErr('ThrottlingException', 400), 'throttled'],
    [awsErr('RequestLimitExceeded', 503), 'throttled'],
    [awsErr('CloudHsmInternalFailureException', 500), 'server'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'network'],
    [
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      'credentials',
    ],
    [Object.assign(new Error('t'), { name: 'TimeoutError' }), 'timeout'],
  ])('%s', (err, kind) => {
    expect(classifyAwsError(err).kind).toBe(kind);
  });
});

describe('CloudHSM answers → targets', () => {
  it('yields one target per address, flags non-ACTIVE HSMs and missing clusters', () => {
    const view = clustersToTargets(
      [
        {
          ClusterId: 'cluster-abcdefghijk',
          State: 'ACTIVE',
          SecurityGroup: 'sg-1',
          SubnetMapping: { 'us-east-1a': 'subnet-1' },
          Hsms: [
            {
              HsmId: 'hsm-aaaaaaaaaaa',
              EniIp: '10.0.1.12',
              EniIpV6: 'fd00::12',
              State: 'ACTIVE',
              AvailabilityZone: 'us-east-1a',
            },
            {
              HsmId: 'hsm-bbbbbbbbbbb',
              EniIp: '10.0.2.12',
              State: 'DEGRADED',
              StateMessage: 'HSM is degraded',
            },
            { HsmId: 'hsm-ccccccccccc', State: 'CREATE_IN_PROGRESS' },
            'garbage',
          ],
        },
        { ClusterId: 'cluster-deletedclust', State: 'DELETED', Hsms: [] },
        { NoClusterId: true } as never,
      ],
      ['cluster-abcdefghijk', 'cluster-missingclust'],
    );
    expect(view.targets.map((t) => `${t.hsmId} ${t.ip} v${t.family} ${t.state}`)).toEqual([
      'hsm-aaaaaaaaaaa 10.0.1.12 v4 ACTIVE',
      'hsm-aaaaaaaaaaa fd00::12 v6 ACTIVE',
      'hsm-bbbbbbbbbbb 10.0.2.12 v4 DEGRADED',
    ]);
    expect(view.clusters.map((c) => c.clusterId)).toEqual(['cluster-abcdefghijk', 'cluster-deletedclust']);
    const ids = view.findings.map((f) => `${f.id}:${f.status}:${f.target}`);
    expect(ids).toEqual([
      'discovery.cluster:pass:cluster-abcdefghijk',
      'hsm.state:warn:cluster-abcdefghijk/hsm-bbbbbbbbbbb',
      'hsm.state:warn:cluster-abcdefghijk/hsm-ccccccccccc',
      'discovery.cluster:fail:cluster-deletedclust',
      'discovery.cloudhsm:fail:cluster-missingclust',
    ]);
  });

  it('skips DELETED clusters when none was named', () => {
    expect(clustersToTargets([{ ClusterId: 'cluster-deletedclust', State: 'DELETED' }], []).clusters).toEqual(
      [],
    );
  });
});

describe('nftables rules', () => {
  it('writes one rule per behaviour, closing braces on their own lines', () => {
    expect(
      nftRules([
        { ip: '127.0.3.11', port: 2225, action: 'drop' },
        { ip: '127.0.2.11', port: 2224, action: 'reset' },
        { ip: '127.0.4.11', action: 'host-unreachable' },
        { ip: '::1', port: 2223, action: 'net-unreachable' },
      ]),
    ).toBe(
      [
        'table inet hsmwatch_sim {',
        '  chain output {',
        '    type filter hook output priority 0; policy accept;',
        '    ip daddr 127.0.3.11 tcp dport 2225 drop',
        '    ip daddr 127.0.2.11 tcp dport 2224 reject with tcp reset',
        '    ip daddr 127.0.4.11 reject with icmp type host-unreachable',
        '    ip6 daddr ::1 tcp dport 2223 reject with icmpv6 type no-route',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });
});

it('DEFAULTS probe the three HSM ports', () => {
  expect(DEFAULTS.ports).toEqual([2223, 2224, 2225]);
});
