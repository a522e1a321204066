// The client-config probe's mutual TLS findings: the client certificate chain and key each Client SDK
// 5 configuration names (user guide, "Set up mutual TLS between client and AWS CloudHSM": the chain
// file is the client certificate followed by the trust anchor registered on the HSM with
// `cluster mtls register-trust-anchor`; the key is created without a passphrase). hsmwatch cannot
// list the HSM's registered anchors (that needs a CloudHSM CLI login): it checks the chain against
// the anchor the chain ends with, names it by fingerprint, and hsm.mtls then shows whether the HSM
// accepts it. Certificates appear by subject and SHA-256 fingerprint, the key never.
import type { X509Certificate } from 'node:crypto';
import { mtlsCommand } from '../../src/clientsdk/bootstrap.js';
import {
  anchorKeyProblem,
  brokenLink,
  type ChainRead,
  isSelfSigned,
  type KeyRead,
  readCertChain,
  readKeyFor,
} from '../../src/clientsdk/client-cert.js';
import type { MtlsFiles } from '../../src/clientsdk/install.js';
import { finding } from '../../src/core/findings.js';
import type { ProbeFinding } from '../../src/core/probe.js';
import { dn } from '../../src/tls/certificate.js';

type Id = 'clientsdk.client-cert';

/** One certificate and key pair, with every configuration file that names it. */
interface Pair {
  certFile: string | null;
  keyFile: string | null;
  configs: string[];
}

function pairsOf(mtls: readonly MtlsFiles[]): Pair[] {
  const pairs = new Map<string, Pair>();
  for (const m of mtls) {
    const key = `${m.certFile}\u0000${m.keyFile}`;
    const p = pairs.get(key) ?? { certFile: m.certFile, keyFile: m.keyFile, configs: [] };
    p.configs.push(m.config);
    pairs.set(key, p);
  }
  return [...pairs.values()];
}

export function clientCertFindings(
  mtls: readonly MtlsFiles[],
  o: { now: number; warnDays: number },
): ProbeFinding<Id>[] {
  return pairsOf(mtls).map((p) => pairFinding(p, o));
}

/** Problems in report order, split by how bad: `fail` stops mutual TLS, `warn` may. */
interface Verdict {
  fail: string[];
  warn: string[];
}

function pairFinding(p: Pair, o: { now: number; warnDays: number }): ProbeFinding<Id> {
  const target = p.certFile ?? p.keyFile ?? p.configs[0]!;
  const fix = mtlsCommand(p.configs[0]!, p.certFile, p.keyFile);
  const base = { configs: p.configs, certFile: p.certFile, keyFile: p.keyFile };
  if (!p.certFile || !p.keyFile)
    return finding(
      'clientsdk.client-cert',
      'fail',
      target,
      `${p.configs.join(', ')} name${p.configs.length > 1 ? '' : 's'} a client ${p.certFile ? 'certificate' : 'key'} for mutual TLS but no client ${p.certFile ? 'key' : 'certificate'}: the configure tool sets both together`,
      base,
      fix,
    );
  const chain = readCertChain(p.certFile);
  const leaf = 'ok' in chain ? chain.chain[0]! : null;
  const key = readKeyFor(p.keyFile, leaf);
  const v: Verdict = { fail: [], warn: [] };
  fileVerdict(chain, key, v);
  const evidence: Record<string, unknown> = { ...base, ...keyEvidence(key) };
  if ('ok' in chain) {
    Object.assign(evidence, chainEvidence(chain.chain, o.now));
    chainVerdict(chain.chain, o, v);
  }
  const status = v.fail.length ? 'fail' : v.warn.length ? 'warn' : 'pass';
  if (status !== 'pass')
    return finding(
      'clientsdk.client-cert',
      status,
      target,
      `client certificate ${p.certFile}: ${[...v.fail, ...v.warn].join('; ')}`,
      evidence,
      fix,
    );
  const e = evidence as { subject: string; fingerprint256: string; daysLeft: number };
  const anchor = evidence.anchor as { subject: string; fingerprint256: string };
  return finding(
    'clientsdk.client-cert',
    'pass',
    target,
    `client certificate ${e.subject} (SHA-256 ${e.fingerprint256}) matches its key ${p.keyFile}, is valid for ${e.daysLeft} days and chains to ${anchor.subject} (SHA-256 ${anchor.fingerprint256}): that anchor must be registered on the HSM (cloudhsm-cli cluster mtls list-trust-anchors)`,
    evidence,
  );
}

/** The files themselves: readable, a chain and a key, the key the certificate's. */
function fileVerdict(chain: ChainRead, key: KeyRead, v: Verdict): void {
  if (!('ok' in chain)) (chain.reason === 'unreadable' ? v.warn : v.fail).push(chain.detail);
  if (!('ok' in key)) {
    // The agent often runs as another user than the application: an unreadable key is unchecked.
    if (key.reason === 'unreadable' || key.reason === 'encrypted')
      v.warn.push(`${key.detail}: whether it matches the certificate is unchecked`);
    else v.fail.push(key.detail);
  } else if (key.matches === false)
    v.fail.push('the key is not the certificate’s (its public key differs): the handshake cannot succeed');
}

function keyEvidence(key: KeyRead): Record<string, unknown> {
  return 'ok' in key ? { keyMatches: key.matches } : { keyProblem: key.reason };
}

const fingerprinted = (c: X509Certificate) => ({
  subject: dn(c.subject),
  fingerprint256: c.fingerprint256,
  notAfter: new Date(c.validTo).toISOString(),
});

function chainEvidence(chain: readonly X509Certificate[], now: number): Record<string, unknown> {
  const leaf = chain[0]!;
  const top = chain[chain.length - 1]!;
  const notAfter = new Date(leaf.validTo);
  return {
    subject: dn(leaf.subject),
    issuer: dn(leaf.issuer),
    fingerprint256: leaf.fingerprint256,
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now) / 86_400_000),
    chain: chain.map(fingerprinted),
    anchor: { ...fingerprinted(top), selfSigned: isSelfSigned(top) },
  };
}

/** The chain: linked, ending at an anchor the HSM can hold, every certificate valid now. */
function chainVerdict(chain: readonly X509Certificate[], o: { now: number; warnDays: number }, v: Verdict) {
  const broken = brokenLink(chain);
  if (broken >= 0)
    v.fail.push(
      `certificate ${broken + 1} (${dn(chain[broken]!.subject)}) is not issued by the next one in the file (${dn(chain[broken + 1]!.subject)}): put the chain in order, client certificate first`,
    );
  if (chain.length === 1 && !isSelfSigned(chain[0]!))
    v.warn.push(
      `the file holds the client certificate alone, issued by ${dn(chain[0]!.issuer)}: the user guide appends the trust anchor (cat ssl-client.crt mtls_ca_root_1.crt > ssl-client.pem)`,
    );
  const top = chain[chain.length - 1]!;
  const keyProblem = chain.length > 1 ? anchorKeyProblem(top) : null;
  if (keyProblem) v.fail.push(`the trust anchor ${dn(top.subject)} has ${keyProblem}`);
  for (const c of chain) {
    if (new Date(c.validTo).getTime() < o.now)
      v.fail.push(`${dn(c.subject)} expired on ${new Date(c.validTo).toISOString()}`);
    if (new Date(c.validFrom).getTime() > o.now)
      v.fail.push(`${dn(c.subject)} is not valid before ${new Date(c.validFrom).toISOString()}`);
  }
  const daysLeft = Math.floor((new Date(chain[0]!.validTo).getTime() - o.now) / 86_400_000);
  if (daysLeft >= 0 && daysLeft < o.warnDays) v.warn.push(`expires in ${daysLeft} day(s)`);
}
