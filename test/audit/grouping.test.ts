// The grouped evaluation is exact: on generated estates (test/bench/audit-estate.ts: peered and
// transit-gateway VPCs, every kind of interface, address-specific /32 and /28 rules in security groups,
// network ACLs and a prefix list), every source gets the results it gets when evaluated on its own,
// with far fewer evaluations. An interface a /32 rule names is evaluated alone: a security group rule
// whose source is a CIDR block admits the addresses in that block, and a /32 block is one address (AWS
// VPC user guide, "Security group rules": "a single IPv4 address. You must use the /32 prefix
// length"); security groups are allow-only, so its subnet-mates with the same groups, which no rule
// admits, are blocked by the cluster group's ingress.
import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../src/audit/audit.js';
import { sourceClasses } from '../../src/audit/classes.js';
import { resolveSettings } from '../../src/config/settings.js';
import { factsFromSnapshot } from '../../src/netpath/facts.js';
import { type AuditScale, auditEstate } from '../bench/audit-estate.js';

type Obj = Record<string, unknown>;
const settings = resolveSettings({});
const SMALL: AuditScale = { interfaces: 300, groups: 30, nacls: 10, seed: 5 };

function both(scale: AuditScale) {
  const estate = auditEstate(scale);
  const grouped = auditSnapshot(estate.snapshot, settings);
  const perPath = auditSnapshot(estate.snapshot, settings, { evaluation: 'per-path' });
  return { estate, grouped: grouped.exposure, perPath: perPath.exposure };
}

const groupsOf = (snapshot: { aws: Obj }) =>
  ((snapshot.aws['ec2:DescribeSecurityGroups'] as Obj).SecurityGroups as Obj[]) ?? [];

describe('grouped evaluation of an estate', () => {
  for (const scale of [SMALL, { ...SMALL, seed: 17 }, { interfaces: 600, groups: 40, nacls: 15, seed: 2 }]) {
    it(`gives every source the results of its own evaluation (${scale.interfaces} interfaces, seed ${scale.seed})`, () => {
      const { grouped, perPath } = both(scale);
      const [g] = grouped.clusters;
      const [p] = perPath.clusters;
      expect(g!.sources).toHaveLength(scale.interfaces);
      expect(g!.sources.map((s) => s.eniId)).toEqual(p!.sources.map((s) => s.eniId));
      // Every source's every port: verdict, components and resource ids (and the rest of the source).
      expect(g!.sources).toEqual(p!.sources);
      expect({ ...g!.summary, evaluations: 0 }).toEqual({ ...p!.summary, evaluations: 0 });
      // Something to be exact about: both reachable and blocked sources, and blocked ports of several kinds.
      const verdicts = new Set(g!.sources.map((s) => s.verdict));
      expect(verdicts).toContain('reachable');
      expect(verdicts).toContain('blocked');
      const components = new Set(
        g!.sources.flatMap((s) => s.ports.flatMap((x) => x.blockedBy.map((b) => b.component))),
      );
      expect(components.size).toBeGreaterThanOrEqual(3);
    });
  }

  it('needs fewer evaluations than there are sources, and evaluates address-specific interfaces alone', () => {
    const { estate, grouped, perPath } = both(SMALL);
    const summary = grouped.clusters[0]!.summary;
    expect(summary.evaluations).toBeLessThan(summary.sources);
    expect(perPath.clusters[0]!.summary.evaluations).toBe(summary.sources);
    const facts = factsFromSnapshot(estate.snapshot.aws, estate.snapshot.region);
    const classes = sourceClasses(facts, estate.snapshot.aws, [...facts.enis!.values()]);
    const classOf = (id: string) => classes.find((c) => c.members.some((m) => m.id === id))!;
    expect(classOf(estate.singled.eniId).members).toHaveLength(1);
    expect(classOf(estate.singled.mates[0]!).members.length).toBeGreaterThan(1);
    expect(classes.some((c) => c.members.length > 10)).toBe(true);
  });

  it('a /32 rule of the cluster group admits that interface only, not its subnet-mates with the same groups', () => {
    const { estate, grouped } = both(SMALL);
    const { singled } = estate;
    // The estate as the rule semantics need it, read from the snapshot itself.
    const cluster = groupsOf(estate.snapshot).find((g) => g.GroupId === estate.clusterSg)!;
    const ingress = cluster.IpPermissions as Obj[];
    const hostRule = ingress.find((r) =>
      (r.IpRanges as Array<{ CidrIp: string }>).some((c) => c.CidrIp === `${singled.ip}/32`),
    );
    expect(hostRule).toMatchObject({ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225 });
    const named = ingress.flatMap((r) =>
      (r.UserIdGroupPairs as Array<{ GroupId: string }>).map((x) => x.GroupId),
    );
    expect(singled.groupIds.some((g) => named.includes(g))).toBe(false);
    const own = groupsOf(estate.snapshot).find((g) => g.GroupId === singled.groupIds[0])!;
    expect(own.IpPermissionsEgress).toEqual([expect.objectContaining({ IpProtocol: '-1' })]);
    const sources = new Map(grouped.clusters[0]!.sources.map((s) => [s.eniId, s]));
    const me = sources.get(singled.eniId)!;
    expect(singled.mates.length).toBeGreaterThan(0);
    for (const id of singled.mates) {
      const mate = sources.get(id)!;
      expect(mate.subnetId).toBe(me.subnetId);
      expect(mate.securityGroups).toEqual(me.securityGroups);
    }
    // 6 HSMs × 3 ports, each admitted by the /32 rule.
    expect(me.ports).toHaveLength(18);
    expect(me.ports.every((x) => x.verdict === 'reachable')).toBe(true);
    expect(me.verdict).toBe('reachable');
    for (const id of singled.mates) {
      const mate = sources.get(id)!;
      expect(mate.verdict).toBe('blocked');
      for (const x of mate.ports) {
        expect(x.verdict).toBe('blocked');
        expect(x.blockedBy).toContainEqual({ component: 'hsm-sg-ingress', resourceIds: [estate.clusterSg] });
      }
    }
  });
});
