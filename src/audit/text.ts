// The audit as a person reads it: counts per class first, then the findings with their fixes, then
// the interfaces that can reach an HSM without being intended.
import type { Finding } from '../model/index.js';
import { renderFindings, renderSummary, type Style } from '../report/text.js';
import { wrapText } from '../report/wrap.js';
import type { ExposureSection } from './types.js';

const LISTED = 50;

export function renderAudit(
  exposure: ExposureSection,
  findings: readonly Finding[],
  style: Style,
  o: { width?: number; verbose?: boolean } = {},
): string {
  const width = o.width ?? 80;
  const out: string[] = [];
  for (const c of exposure.clusters) {
    const s = c.summary;
    const hsmAddresses = c.hsms.reduce((n, h) => n + h.addresses.length, 0);
    out.push(
      style.bold(
        `Exposure of ${c.clusterId} (${c.vpcId ?? 'VPC unknown'}, ${c.securityGroup ?? 'no security group'})`,
      ),
      ...wrapText(
        `${s.sources} interface(s) in ${c.vpcs.length} VPC(s) × ${hsmAddresses} HSM address(es) × ${c.ports.length} port(s), ${s.evaluations} distinct evaluation(s)`,
        width,
        '  ',
        '  ',
      ),
    );
    for (const who of ['intended', 'unintended'] as const) {
      const n = (v: string) => s.classes[`${who}-${v}` as keyof typeof s.classes];
      out.push(
        `  ${who.padEnd(11)} ${style.status('pass', `${n('reachable')} reachable`)}, ${style.status('warn', `${n('partial')} partial`)}, ${n('blocked')} blocked, ${style.status('skip', `${n('unknown')} unknown`)}`,
      );
    }
    out.push('');
  }
  const shown = o.verbose ? findings : findings.filter((f) => f.status !== 'pass');
  out.push(...renderFindings(shown, style, width));
  for (const c of exposure.clusters) {
    const open = c.sources.filter(
      (x) => !x.intended && (x.verdict === 'reachable' || x.verdict === 'partial'),
    );
    if (open.length === 0) continue;
    out.push(style.bold(`Reachable, not intended (${c.clusterId}: ${open.length})`));
    for (const x of open.slice(0, LISTED)) {
      const hsms = new Set(x.ports.filter((p) => p.verdict === 'reachable').map((p) => p.hsmId)).size;
      out.push(
        ...wrapText(
          `${x.eniId}  ${x.kind}${x.owner ? ` ${x.owner}` : ''}  ${x.subnetId ?? '-'}  ${x.securityGroups.join(',') || 'no groups'}  → ${hsms}/${c.hsms.length} HSM(s)${x.verdict === 'partial' ? ', some ports' : ''}`,
          width,
          '      ',
          '  ',
        ),
      );
    }
    if (open.length > LISTED)
      out.push(style.dim(`  ... and ${open.length - LISTED} more (--output json lists them all)`));
    out.push('');
  }
  out.push(renderSummary(findings, style, !o.verbose));
  return `${out.join('\n')}\n`;
}
