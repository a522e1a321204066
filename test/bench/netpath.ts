// bench:netpath — static path analysis of a synthetic large estate: 500 security groups with 5,000
// rules, 50 NACLs, 100 route tables, prefix lists of 1,000 entries, 4 clusters × 28 HSMs × 3 ports
// against 8 client ENIs (2,688 paths); then the estate doubled, to show how the time grows.
// In the same run, the reference cost of merely parsing the snapshot's JSON. Bounded: fixed rounds.

import { PROBES } from '../../probes/index.js';
import { resolveSettings } from '../../src/config/settings.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import { environmentFromSnapshot } from '../../src/discovery/from-snapshot.js';
import {
  clientEndpoint,
  DEFAULT_EPHEMERAL,
  evaluatePair,
  factsFromSnapshot,
  hsmEndpoint,
} from '../../src/netpath/index.js';
import { BASE, estate, type Scale } from './netpath-estate.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const WARMUP = 5;

const double = (s: Scale, what: 'rules' | 'all'): Scale =>
  what === 'rules'
    ? {
        ...s,
        groups: s.groups * 2,
        nacls: s.nacls * 2,
        routeTables: s.routeTables * 2,
        prefixEntries: s.prefixEntries * 2,
      }
    : {
        ...s,
        groups: s.groups * 2,
        nacls: s.nacls * 2,
        routeTables: s.routeTables * 2,
        prefixEntries: s.prefixEntries * 2,
        clusters: s.clusters * 2,
        clientEnis: s.clientEnis * 2,
      };

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function measure(label: string, scale: Scale) {
  const snapshot = estate(scale);
  const text = JSON.stringify(snapshot);
  const settings = resolveSettings({ probes: { only: ['network-path'] } });
  const env = environmentFromSnapshot(snapshot, settings);
  const times = {
    parse: [] as number[],
    evaluator: [] as number[],
    analyze: [] as number[],
    analyzeCpu: [] as number[],
  };
  let paths = 0;
  let verdicts = '';
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    let t = performance.now();
    JSON.parse(text);
    const parse = performance.now() - t;
    t = performance.now();
    const facts = factsFromSnapshot(snapshot.aws, snapshot.region);
    let n = 0;
    for (const eni of env.client!.enis)
      for (const target of env.targets)
        n += evaluatePair(facts, {
          client: clientEndpoint(facts, eni, 4),
          hsm: hsmEndpoint(facts, target, env.clusters),
          ports: settings.ports,
          ephemeral: DEFAULT_EPHEMERAL,
        }).length;
    const evaluator = performance.now() - t;
    t = performance.now();
    const cpu0 = process.cpuUsage();
    const d = await analyzeSnapshot(snapshot, settings, PROBES);
    const cpu = process.cpuUsage(cpu0);
    const analyze = performance.now() - t;
    if (round >= WARMUP) {
      times.parse.push(parse);
      times.evaluator.push(evaluator);
      times.analyze.push(analyze);
      times.analyzeCpu.push((cpu.user + cpu.system) / 1000);
    }
    paths = n;
    const counts: Record<string, number> = {};
    for (const p of d.report.paths)
      counts[p.static?.verdict ?? '-'] = (counts[p.static?.verdict ?? '-'] ?? 0) + 1;
    verdicts = JSON.stringify(counts);
  }
  const rules = scale.groups * scale.rulesPerGroup;
  return {
    label,
    estate: `${scale.groups} SGs / ${rules} rules, ${scale.nacls} NACLs, ${scale.routeTables} route tables, prefix lists of ${scale.prefixEntries}, ${scale.clusters}×${scale.hsmsPerCluster} HSMs × 3 ports × ${scale.clientEnis} ENIs`,
    paths,
    verdicts,
    parseP50: quantile(times.parse, 0.5),
    evaluatorP50: quantile(times.evaluator, 0.5),
    evaluatorP95: quantile(times.evaluator, 0.95),
    analyzeP50: quantile(times.analyze, 0.5),
    analyzeP95: quantile(times.analyze, 0.95),
    analyzeCpuP50: quantile(times.analyzeCpu, 0.5),
  };
}

const rows = [
  await measure('base', BASE),
  await measure('rules ×2', double(BASE, 'rules')),
  await measure('everything ×2', double(BASE, 'all')),
];
const f = (x: number) => x.toFixed(2);
const { loadavg } = await import('node:os');
console.log(
  `bench:netpath — ${ROUNDS} rounds after ${WARMUP} warm-up, Node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`,
);
console.log(
  '| estate | paths | JSON.parse p50 ms | evaluator p50 ms | analyze (probe + report) p50 ms | p95 ms | analyze CPU p50 ms |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(
    `| ${r.label}: ${r.estate} | ${r.paths} | ${f(r.parseP50)} | ${f(r.evaluatorP50)} | ${f(r.analyzeP50)} | ${f(r.analyzeP95)} | ${f(r.analyzeCpuP50)} |`,
  );
const [b, r2, a2] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
const growth = (x: (typeof rows)[0], key: 'analyzeP50' | 'analyzeCpuP50') => (x[key] / b[key]).toFixed(2);
console.log(
  `growth (wall / CPU): rules ×2 → ×${growth(r2, 'analyzeP50')} / ×${growth(r2, 'analyzeCpuP50')}; everything ×2 (paths ×4) → ×${growth(a2, 'analyzeP50')} / ×${growth(a2, 'analyzeCpuP50')}`,
);
console.log(`verdicts: ${rows.map((r) => `${r.label} ${r.verdicts}`).join('; ')}`);
