// One report row per ENI the traffic to an HSM address leaves from: when one address has a source
// owned by a branch ENI and another has no route (so it falls back to the node's ENI), each address
// gets the rows of its own carrier, every one with a static verdict, and no row of the other ENI.
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import { netpathScenarios, staticSettings } from '../netpath/support.js';

describe('report rows follow the carrying ENI', () => {
  it('mixed sources: the pod ENI for one HSM, the node ENI (fallback) for the other', async () => {
    const base = netpathScenarios().find((s) => s.file === 'np-src-pod-branch-blocked.json');
    expect(base).toBeDefined();
    const snapshot = structuredClone(base!.scenario.snapshot);
    const sources = (snapshot.client as { sources: Array<{ hsmIp: string; sourceIp: string | null }> })
      .sources;
    sources[1]!.sourceIp = null;
    const { report } = await analyzeSnapshot(snapshot, staticSettings(), PROBES);
    const rows = report.paths.map((p) => `${p.eniIp}:${p.port} ${p.clientEni}`);
    expect(rows).toEqual([
      '10.0.1.12:2223 eni-0b0d0000000000001',
      '10.0.1.12:2224 eni-0b0d0000000000001',
      '10.0.1.12:2225 eni-0b0d0000000000001',
      '10.0.2.12:2223 eni-0c11e47000000001',
      '10.0.2.12:2224 eni-0c11e47000000001',
      '10.0.2.12:2225 eni-0c11e47000000001',
    ]);
    // The node's group is admitted (the scenario's premise), the pod's is not.
    expect(report.paths.map((p) => p.static?.verdict)).toEqual([
      'blocked',
      'blocked',
      'blocked',
      'reachable',
      'reachable',
      'reachable',
    ]);
  });
});
