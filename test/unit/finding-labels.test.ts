// The labels of cloudhsm_finding_status: every shape of target the probes write (and the grouped
// path targets they are about to write) becomes the ids it names, bounded, with no free text; and
// findings that share their labels are exported once, with the worst status.
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { DEFAULTS } from '../../src/config/settings.js';
import {
  FINDING_TARGET_MAX,
  findingSeries,
  findingTargetLabel,
  NO_TARGET,
  STATUS_SEVERITY,
  stateSet,
} from '../../src/core/finding-labels.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import { type Finding, STATUSES, type Status } from '../../src/model/index.js';
import { listScenarios, loadScenario } from '../../src/sim/scenario.js';
import { netpathScenarios } from '../netpath/support.js';

/** What a label value may hold: ids and their separators, never a space, an arrow or a parenthesis. */
const LABEL_CHARS = /^[A-Za-z0-9._:/@+=~*[\]-]+$/;

describe('findingTargetLabel', () => {
  it.each([
    // hsm.reachable, hsm.state: cluster/hsm address, or the bare address of --hsm-ip
    ['cluster-hsmwatchdemo/hsm-f3kzyjwvnde 127.0.2.11', 'cluster-hsmwatchdemo/hsm-f3kzyjwvnde/127.0.2.11'],
    ['10.0.1.12', '10.0.1.12'],
    ['cluster-1/?', 'cluster-1'],
    // hsm.tls: the HSM and its TLS port
    ['cluster-a/hsm-abcdefghijk 10.0.1.12:2223', 'cluster-a/hsm-abcdefghijk/10.0.1.12:2223'],
    // path findings: client ENI → HSM, in either arrow spelling, with or without a client ENI
    [
      'eni-0c11e470000000001 → cluster-hsmwatchdemo/hsm-q7ruxmlbxwa 127.0.1.11',
      'eni-0c11e470000000001/cluster-hsmwatchdemo/hsm-q7ruxmlbxwa/127.0.1.11',
    ],
    ['eni-0abc -> cluster-a/hsm-b 10.0.1.12', 'eni-0abc/cluster-a/hsm-b/10.0.1.12'],
    ['eni-0abc⇒cluster-a/hsm-b 10.0.1.12', 'eni-0abc/cluster-a/hsm-b/10.0.1.12'],
    ['- → 10.0.1.12', '10.0.1.12'],
    // merged path findings, today's wording and the grouped one of the parallel change
    [
      'eni-0c11e470000000001 → 3 HSM addresses (127.0.1.11, 127.0.2.11, 127.0.3.11)',
      'eni-0c11e470000000001/127.0.1.11/127.0.2.11/127.0.3.11',
    ],
    [
      'eni-0c11e470000000001 → cluster-abc: 3 HSMs (10.0.1.12, 10.0.2.12, 10.0.3.12)',
      'eni-0c11e470000000001/cluster-abc/10.0.1.12/10.0.2.12/10.0.3.12',
    ],
    ['eni-0abc → cluster-abc: 1 HSM (10.0.1.12)', 'eni-0abc/cluster-abc/10.0.1.12'],
    // security groups, network ACLs, routes, subnets, peering, transit gateways, instances
    ['sg-0c1a55e7c1a55e700', 'sg-0c1a55e7c1a55e700'],
    ['acl-0c11e47000000001 (subnet-0abc)', 'acl-0c11e47000000001/subnet-0abc'],
    ['subnet-0abc (rtb-0def: 0.0.0.0/0 → igw-0123)', 'subnet-0abc/rtb-0def/0.0.0.0/0/igw-0123'],
    ['pcx-0123abcd, tgw-attach-0fe1 and tgw-rtb-0aa', 'pcx-0123abcd/tgw-attach-0fe1/tgw-rtb-0aa'],
    ['i-0d3m0c11e47000001', 'i-0d3m0c11e47000001'],
    ['vpc-1 pl-0a1b2c3d vpce-0abc', 'vpc-1/pl-0a1b2c3d/vpce-0abc'],
    // Client SDK files: the base name, never the directory
    ['/opt/cloudhsm/etc/cloudhsm-pkcs11.cfg', 'cloudhsm-pkcs11.cfg'],
    ['/opt/cloudhsm/etc/customerCA.crt', 'customerCA.crt'],
    ['/tmp/hsmwatch-demo-MtxMzZ/cloudhsm-etc', 'cloudhsm-etc'],
    ['/opt/cloudhsm/etc/', 'etc'],
    ['./etc/cloudhsm_client.cfg', 'cloudhsm_client.cfg'],
    ['~/cloudhsm/customerCA.crt', 'customerCA.crt'],
    ['etc/cloudhsm.cfg', 'cloudhsm.cfg'],
    ['opt/cloudhsm', 'cloudhsm'],
    // IAM actions, endpoints, proxies
    ['cloudhsm:DescribeClusters', 'cloudhsm:DescribeClusters'],
    ['ec2:DescribeVpcPeeringConnections', 'ec2:DescribeVpcPeeringConnections'],
    ['ec2:Describe*', 'ec2:Describe*'],
    ['127.0.0.1:45015', '127.0.0.1:45015'],
    ['STS.us-east-1.amazonaws.com:443', 'sts.us-east-1.amazonaws.com:443'],
    ['cloudhsmv2-fips.us-east-1.api.aws', 'cloudhsmv2-fips.us-east-1.api.aws'],
    ['proxy.corp:3128', 'proxy.corp:3128'],
    ['localhost:8443', 'localhost:8443'],
    ['http://alice:s3cret@proxy.corp:3128/path?q=1', 'proxy.corp:3128'],
    ['https://sts.amazonaws.com/', 'sts.amazonaws.com'],
    // IPv6: bare (lower case), bracketed with a port, CIDRs
    ['cluster-a/hsm-b FD00::12', 'cluster-a/hsm-b/fd00::12'],
    ['[fd00::12]:2223', '[fd00::12]:2223'],
    ['([fd00::12]:2223).', '[fd00::12]:2223'],
    ['10.0.0.0/16 and fd00::/8', '10.0.0.0/16/fd00::/8'],
    ['arn:aws:iam::123456789012:role/hsmwatch', 'arn:aws:iam::123456789012:role/hsmwatch'],
    // punctuation, port ranges, repeats, invalid numbers
    ['10.0.1.12:2223-2225', '10.0.1.12:2223-2225'],
    ['cluster-abc: 10.0.1.12.', 'cluster-abc/10.0.1.12'],
    ['cluster-a/hsm-b 10.0.1.12 (cluster-a, 10.0.1.12)', 'cluster-a/hsm-b/10.0.1.12'],
    ['eni-0abc → 10.0.1.300 and 10.0.1.12:70000', 'eni-0abc'],
    // no id: one plain word stays (engine and probe targets), anything else is '-'
    ['clock', 'clock'],
    ['imds', 'imds'],
    ['caBundle', 'caBundle'],
    ['hsm-reachability', 'hsm-reachability'],
    ['', NO_TARGET],
    ['   ', NO_TARGET],
    ['the Client SDK configuration', NO_TARGET],
    ['3 HSMs', NO_TARGET],
  ])('%j → %j', (target, label) => {
    expect(findingTargetLabel(target)).toBe(label);
    expect(findingTargetLabel(label), 'a label is its own label').toBe(label);
  });

  it('keeps a long list bounded, stable and distinct: the head that fits, then +N~hash', () => {
    const ips = (n: number, third = 1) => Array.from({ length: n }, (_, i) => `10.0.${third}.${i + 10}`);
    const target = (list: string[]) =>
      `eni-0c11e470000000001 → cluster-abc: ${list.length} HSMs (${list.join(', ')})`;
    const a = findingTargetLabel(target(ips(28)));
    expect(a.length).toBeLessThanOrEqual(FINDING_TARGET_MAX);
    expect(a).toMatch(/^eni-0c11e470000000001\/cluster-abc\/10\.0\.1\.10\/.*\/\+\d+~[0-9a-f]{8}$/);
    expect(a).toMatch(LABEL_CHARS);
    // The head and the number left out add up to the whole list.
    const kept = a.split('/').length - 1;
    expect(kept + Number(/\+(\d+)~/.exec(a)![1])).toBe(2 + 28);
    expect(findingTargetLabel(target(ips(28)))).toBe(a);
    // Another list with the same head is another label.
    const other = [...ips(27), '10.0.9.99'];
    expect(findingTargetLabel(target(other))).not.toBe(a);
    expect(findingTargetLabel(target(other)).split('~')[0]).toBe(a.split('~')[0]);
    // Just below the limit: no hash.
    const short = findingTargetLabel(target(ips(7)));
    expect(short).toBe(['eni-0c11e470000000001', 'cluster-abc', ...ips(7)].join('/'));
    // One id longer than the limit on its own.
    const long = findingTargetLabel(`/opt/${'x'.repeat(300)}.cfg`);
    expect(long.length).toBeLessThanOrEqual(FINDING_TARGET_MAX);
    expect(long).toMatch(/^x+~[0-9a-f]{8}$/);
  });

  it('never lets a credential of a URL, a space, an arrow or markup through', () => {
    for (const t of [
      'http://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI@proxy:3128',
      '<script>alert(1)</script> 10.0.1.12',
      'eni-1 ⟶ eni-2 ↔ eni-3 <-> eni-4 => eni-5 ← eni-6',
      'tab\tseparated\nlines\r\nand\u00a0nbsp cluster-a',
      '"quoted" `ticks` {braces} |pipes| eni-0abc',
      'emoji 🔥 subnet-1',
      'näïve/ünïcode.cfg',
    ]) {
      const l = findingTargetLabel(t);
      expect(l, t).toMatch(LABEL_CHARS);
      expect(l, t).not.toMatch(/AKIA|wJalr|alert|→|⟶|↔|⇒|←|->|<-|=>/);
    }
  });
});

/** Resource ids and IPv4 addresses of a target, found independently of the code under test. */
const namedIds = (target: string) =>
  new Set(
    target.match(
      /\b(?:cluster|hsm|eni|sg|acl|subnet|vpc|rtb|igw|pcx|tgw|i)-[0-9a-z]+\b|\b\d{1,3}(?:\.\d{1,3}){3}\b/g,
    ) ?? [],
  );

describe('labels of every finding the scenarios produce', () => {
  /** Every finding of an offline analysis of each demo and path scenario, plus grouped targets. */
  async function corpus(): Promise<Finding[]> {
    const out: Finding[] = [];
    const snapshots = [
      ...listScenarios().map((s) => loadScenario(s.name).snapshot),
      ...netpathScenarios().map((s) => s.scenario.snapshot),
    ];
    for (const snapshot of snapshots) {
      const settings = structuredClone(DEFAULTS);
      settings.clientSdk.configDir = '/nonexistent/hsmwatch-test';
      out.push(...(await analyzeSnapshot(snapshot, settings, PROBES)).report.findings);
    }
    // The grouped shape of path findings (parallel change): one per client ENI and cluster.
    for (const f of out.filter((x) => x.target.includes(' → ') && /^(sg|nacl|route)\./.test(x.id))) {
      const [eni] = f.target.split(' → ');
      out.push({ ...f, target: `${eni} → cluster-abc: 3 HSMs (10.0.1.12, 10.0.2.12, 10.0.3.12)` });
    }
    return out;
  }

  it('are ids only, bounded, name every id of the target, and coincide only for the same ids', async () => {
    const findings = await corpus();
    expect(findings.length).toBeGreaterThan(200);
    expect(new Set(findings.map((f) => f.id)).size).toBeGreaterThan(10);
    const byLabels = new Map<string, Set<string>>();
    for (const f of findings) {
      const label = findingTargetLabel(f.target);
      expect(label, f.target).toMatch(LABEL_CHARS);
      expect(label.length, f.target).toBeLessThanOrEqual(FINDING_TARGET_MAX);
      expect(findingTargetLabel(f.target), 'deterministic').toBe(label);
      expect(findingTargetLabel(label), `idempotent: ${f.target}`).toBe(label);
      for (const id of namedIds(f.target)) expect(label.split('/'), f.target).toContain(id);
      const key = `${f.id} ${label}`;
      const ids = [...namedIds(f.target)].sort().join(',');
      const seen = byLabels.get(key) ?? new Set<string>();
      seen.add(ids);
      byLabels.set(key, seen);
    }
    // Two findings of one id share labels only when their targets name the same ids.
    for (const [key, idSets] of byLabels) expect([...idSets], key).toHaveLength(1);
    // The path findings are the ones with the most structure: they name an ENI and an address.
    const path = findings.find((f) => f.id.startsWith('path.') && f.target.includes('→'));
    expect(findingTargetLabel(path!.target)).toMatch(/^eni-[0-9a-f]+\/.*\d+\.\d+\.\d+\.\d+$/);
  }, 60_000);
});

describe('findingSeries', () => {
  const f = (id: string, status: Status, target: string) => ({ id, status, target });

  it('exports findings that share their labels once, with the worst status, whatever the order', () => {
    const order: Status[] = ['pass', 'skip', 'warn', 'error', 'fail'];
    expect([...STATUSES].sort((a, b) => STATUS_SEVERITY[a] - STATUS_SEVERITY[b])).toEqual(order);
    for (const a of STATUSES)
      for (const b of STATUSES) {
        const worst = STATUS_SEVERITY[a] >= STATUS_SEVERITY[b] ? a : b;
        // Two wordings of one target: same labels.
        const series = findingSeries([
          f('sg.hsm-ingress', a, 'eni-0abc → cluster-a/hsm-b 10.0.1.12'),
          f('sg.hsm-ingress', b, 'eni-0abc -> cluster-a/hsm-b  10.0.1.12'),
        ]);
        expect(series).toEqual([
          { id: 'sg.hsm-ingress', target: 'eni-0abc/cluster-a/hsm-b/10.0.1.12', status: worst, findings: 2 },
        ]);
      }
  });

  it('keeps different ids and different targets apart, in first-seen order', () => {
    const series = findingSeries([
      f('hsm.reachable', 'pass', 'cluster-a/hsm-1 10.0.1.12'),
      f('hsm.reachable', 'fail', 'cluster-a/hsm-2 10.0.2.12'),
      f('hsm.tls', 'warn', 'cluster-a/hsm-1 10.0.1.12:2223'),
      f('hsm.reachable', 'skip', 'cluster-a/hsm-1 10.0.1.12'),
      f('clock.skew', 'error', 'clock'),
    ]);
    expect(series).toEqual([
      { id: 'hsm.reachable', target: 'cluster-a/hsm-1/10.0.1.12', status: 'skip', findings: 2 },
      { id: 'hsm.reachable', target: 'cluster-a/hsm-2/10.0.2.12', status: 'fail', findings: 1 },
      { id: 'hsm.tls', target: 'cluster-a/hsm-1/10.0.1.12:2223', status: 'warn', findings: 1 },
      { id: 'clock.skew', target: 'clock', status: 'error', findings: 1 },
    ]);
    expect(findingSeries([])).toEqual([]);
  });
});

describe('stateSet', () => {
  it('has every status once, 1 for the current one and 0 for the others', () => {
    for (const s of STATUSES) {
      const set = stateSet(s);
      expect(set.map((x) => x.status)).toEqual([...STATUSES]);
      expect(set.filter((x) => x.value === 1)).toEqual([{ status: s, value: 1 }]);
      expect(set.filter((x) => x.value === 0)).toHaveLength(STATUSES.length - 1);
    }
  });
});
