// Certificate chain analysis: subject, issuer, expiry, hostname, and interception of AWS names.
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type PeerCertificate, rootCertificates } from 'node:tls';

/** SHA-256 fingerprints of the roots AWS API certificates chain to (amazontrust.com). */
export const AMAZON_ROOTS: Readonly<Record<string, string>> = {
  '8E:CD:E6:88:4F:3D:87:B1:12:5B:A3:1A:C3:FC:B1:3D:70:16:DE:7F:57:CC:90:4F:E1:CB:97:C6:AE:98:19:6E':
    'Amazon Root CA 1',
  '1B:A5:B2:AA:8C:65:40:1A:82:96:01:18:F8:0B:EC:4F:62:30:4D:83:CE:C4:71:3A:19:C3:9C:01:1E:A4:6D:B4':
    'Amazon Root CA 2',
  '18:CE:6C:FE:7B:F1:4E:60:B2:E3:47:B8:DF:E8:68:CB:31:D0:2E:BB:3A:DA:27:15:69:F5:03:43:B4:6D:B3:A4':
    'Amazon Root CA 3',
  'E3:5D:28:41:9E:D0:20:25:CF:A6:90:38:CD:62:39:62:45:8D:A5:C6:95:FB:DE:A3:C2:2B:0B:FB:25:89:70:92':
    'Amazon Root CA 4',
  '56:8D:69:05:A2:C8:87:08:A4:B3:02:51:90:ED:CF:ED:B1:97:4A:60:6A:13:C6:E5:29:0F:CB:2A:E6:3E:DA:B5':
    'Starfield Services Root Certificate Authority - G2',
};

/** Issuing CAs of AWS endpoint certificates: O=Amazon, CN=Amazon RSA 2048 M01, Amazon ECDSA 256 M02... */
const AMAZON_INTERMEDIATE_CN = /^Amazon( (RSA (2048|4096)|ECDSA (256|384)) M\d{2}|)$/;

export interface CertificateSummary {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  fingerprint256: string;
  isCa: boolean;
}

export interface ChainAnalysis {
  leaf: CertificateSummary | null;
  chain: CertificateSummary[];
  hostnameMatch: boolean;
  hostnameError: string | null;
  expired: boolean;
  notYetValid: boolean;
  selfSigned: boolean;
  /** Only meaningful for AWS names: the chain is not Amazon's. */
  intercepted: boolean;
  /** Why the chain is (not) Amazon's, for the evidence. */
  trustPath: string;
}

/** One-line distinguished name, most specific last as openssl prints it (C=US, O=Amazon, CN=...). */
export function dn(text: string): string {
  return text.split('\n').filter(Boolean).join(', ');
}

const field = (text: string, key: string) => new RegExp(`(?:^|\\n)${key}=([^\\n]*)`).exec(text)?.[1] ?? null;

export function summarise(c: X509Certificate, now: Date): CertificateSummary {
  const notAfter = new Date(c.validTo);
  return {
    subject: dn(c.subject),
    issuer: dn(c.issuer),
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
    fingerprint256: c.fingerprint256,
    isCa: c.ca,
  };
}

let systemRoots: X509Certificate[] | undefined;
function amazonRootCerts(): X509Certificate[] {
  systemRoots ??= rootCertificates.map((p) => new X509Certificate(p));
  return systemRoots.filter((r) => r.fingerprint256 in AMAZON_ROOTS);
}

/** True when `name` is an AWS API host (amazonaws.com, api.aws, and their China partition). */
export function isAwsName(name: string): boolean {
  return /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|api\.aws)\.?$/i.test(name);
}

export interface AnalyseOptions {
  /** Name the leaf must match (DNS name or IP). */
  hostname: string;
  now?: Date;
  /** Apply the interception check (AWS endpoints). */
  awsEndpoint: boolean;
  /** Extra roots accepted as the AWS endpoints' own (the simulation's test PKI). */
  extraAwsRoots?: readonly string[];
}

/**
 * The certificate as checkServerIdentity reads it: the subject's first CN and the subjectAltName
 * (the rest of the legacy object is not consulted).
 */
function identityOf(cert: X509Certificate): PeerCertificate {
  const legacy = cert.toLegacyObject();
  return {
    ...legacy,
    subject: { ...legacy.subject, CN: field(cert.subject, 'CN') ?? '' },
    subjectaltname: cert.subjectAltName ?? '',
  };
}

export function analyseChain(chain: readonly X509Certificate[], o: AnalyseOptions): ChainAnalysis {
  const now = o.now ?? new Date();
  const leafCert = chain[0];
  const summaries = chain.map((c) => summarise(c, now));
  const leaf = summaries[0] ?? null;
  let hostnameError: string | null = null;
  if (leafCert) {
    const e = checkServerIdentity(o.hostname, identityOf(leafCert));
    hostnameError = e ? e.message : null;
  } else hostnameError = 'no certificate';
  const expired = leafCert ? new Date(leafCert.validTo) < now : false;
  const notYetValid = leafCert ? new Date(leafCert.validFrom) > now : false;
  const selfSigned = leafCert ? leafCert.checkIssued(leafCert) && chain.length === 1 : false;

  let intercepted = false;
  let trustPath = 'not an AWS endpoint: interception check not applied';
  if (o.awsEndpoint && leafCert) {
    const extra = new Set((o.extraAwsRoots ?? []).map((f) => f.toUpperCase()));
    const last = chain[chain.length - 1]!;
    const lastIsKnownRoot = last.fingerprint256 in AMAZON_ROOTS || extra.has(last.fingerprint256);
    const issuedByKnownRoot = amazonRootCerts().some((r) => last.checkIssued(r) && last.verify(r.publicKey));
    const issuerO = field(leafCert.issuer, 'O');
    const issuerCn = field(leafCert.issuer, 'CN') ?? '';
    const amazonIssuer = issuerO === 'Amazon' && AMAZON_INTERMEDIATE_CN.test(issuerCn);
    const simulated = extra.has(last.fingerprint256);
    if (simulated) {
      trustPath = `chain ends at a configured AWS root (${dn(last.subject)})`;
    } else if (!amazonIssuer) {
      intercepted = true;
      trustPath = `leaf issued by "${dn(leafCert.issuer)}", not by an Amazon intermediate`;
    } else if (!lastIsKnownRoot && !issuedByKnownRoot) {
      intercepted = true;
      trustPath = `chain ends at "${dn(last.subject)}", not at an Amazon Root CA or the Starfield Services root`;
    } else {
      trustPath = `leaf issued by ${issuerCn}, chain ends at ${AMAZON_ROOTS[last.fingerprint256] ?? dn(last.issuer)}`;
    }
  }
  return {
    leaf,
    chain: summaries,
    hostnameMatch: hostnameError === null,
    hostnameError,
    expired,
    notYetValid,
    selfSigned,
    intercepted,
    trustPath,
  };
}
