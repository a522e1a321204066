// Test PKI made at run time with the openssl CLI (never downloaded): CAs, leaves with chosen names
// and validity windows. Keys are RSA 2048 so static-RSA suites can be negotiated.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Issued {
  name: string;
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface CertSpec {
  subject: string;
  /** Subject alternative names, e.g. ['DNS:localhost', 'IP:127.0.0.1']. */
  sans?: string[];
  ca?: boolean;
  /** openssl dates YYYYMMDDHHMMSSZ; default: now - 1 day .. now + days. */
  start?: string;
  end?: string;
  days?: number;
  /** Reuse an existing key file (saves generating one). */
  keyFile?: string;
  /** A leaf's extendedKeyUsage; default serverAuth (a mutual TLS client certificate: clientAuth). */
  eku?: string;
}

const CNF = (dir: string) => `
[ca]
default_ca = test
[test]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/newcerts
serial = ${dir}/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
`;

export function stamp(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

export class TestPki {
  readonly dir: string;

  constructor(dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'hsmwatch-pki-'));
    mkdirSync(join(this.dir, 'newcerts'), { recursive: true });
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
    writeFileSync(join(this.dir, 'openssl.cnf'), CNF(this.dir));
  }

  private ssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  newKey(name: string, bits = 2048): string {
    const keyFile = join(this.dir, `${name}.key`);
    this.ssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', keyFile]);
    return keyFile;
  }

  /** Issues a certificate; issuer null = self-signed. */
  issue(name: string, spec: CertSpec, issuer: Issued | null): Issued {
    const keyFile = spec.keyFile ?? this.newKey(name);
    const csr = join(this.dir, `${name}.csr`);
    const certFile = join(this.dir, `${name}.crt`);
    const ext = join(this.dir, `${name}.ext`);
    const lines = spec.ca
      ? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']
      : [
          'basicConstraints=CA:FALSE',
          'keyUsage=digitalSignature,keyEncipherment',
          `extendedKeyUsage=${spec.eku ?? 'serverAuth'}`,
        ];
    if (spec.sans?.length) lines.push(`subjectAltName=${spec.sans.join(',')}`);
    lines.push('subjectKeyIdentifier=hash');
    writeFileSync(ext, `[ext]\n${lines.join('\n')}\n`);
    this.ssl([
      'req',
      '-new',
      '-config',
      join(this.dir, 'openssl.cnf'),
      '-key',
      keyFile,
      '-subj',
      spec.subject,
      '-out',
      csr,
    ]);
    const now = Date.now();
    const start = spec.start ?? stamp(new Date(now - 86_400_000));
    const end = spec.end ?? stamp(new Date(now + (spec.days ?? 365) * 86_400_000));
    const args = [
      'ca',
      '-batch',
      '-config',
      join(this.dir, 'openssl.cnf'),
      '-notext',
      '-in',
      csr,
      '-out',
      certFile,
      '-startdate',
      start,
      '-enddate',
      end,
      '-extfile',
      ext,
      '-extensions',
      'ext',
      '-preserveDN',
    ];
    if (issuer) args.push('-cert', issuer.certFile, '-keyfile', issuer.keyFile);
    else args.push('-selfsign', '-keyfile', keyFile);
    this.ssl(args);
    return {
      name,
      certFile,
      keyFile,
      cert: readFileSync(certFile, 'utf8'),
      key: readFileSync(keyFile, 'utf8'),
    };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The usual set: root CA, intermediate, and leaves for localhost/127.0.0.1 in every state. */
export function standardPki(dir?: string) {
  const pki = new TestPki(dir);
  const root = pki.issue(
    'root',
    { subject: '/O=hsmwatch test/CN=hsmwatch Test Root CA', ca: true, days: 3650 },
    null,
  );
  const inter = pki.issue(
    'inter',
    { subject: '/O=hsmwatch test/CN=hsmwatch Test Intermediate', ca: true, days: 3650 },
    root,
  );
  const leafKey = pki.newKey('leafkey');
  const sans = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'];
  const leaf = (name: string, spec: Partial<CertSpec>, issuer: Issued | null = inter) =>
    pki.issue(name, { subject: '/O=hsmwatch test/CN=localhost', sans, keyFile: leafKey, ...spec }, issuer);
  const now = Date.now();
  return {
    pki,
    root,
    inter,
    good: leaf('good', {}),
    expired: leaf('expired', {
      start: stamp(new Date(now - 400 * 86_400_000)),
      end: stamp(new Date(now - 2 * 86_400_000)),
    }),
    notYet: leaf('notyet', {
      start: stamp(new Date(now + 30 * 86_400_000)),
      end: stamp(new Date(now + 400 * 86_400_000)),
    }),
    soon: leaf('soon', { days: 10 }),
    wrongHost: leaf('wronghost', {
      subject: '/O=hsmwatch test/CN=other.example',
      sans: ['DNS:other.example'],
    }),
    selfSigned: leaf('selfsigned', {}, null),
  };
}
