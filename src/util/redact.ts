// Text from elsewhere (a child's stderr, an error message) may carry a credential: this host's own
// credential values and anything shaped like an access key id, a SigV4 signature or a session token
// are masked before it is logged or reported.
const SHAPES = [
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\bSignature=[0-9a-f]{64}\b/g,
  // Session tokens and secret keys: long unbroken base64.
  /[A-Za-z0-9/+=]{80,}/g,
];

const OWN = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

export function redact(text: string, secrets: readonly string[] = ownSecrets()): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[redacted]');
  for (const re of SHAPES) out = out.replace(re, '[redacted]');
  return out;
}

function ownSecrets(): string[] {
  return OWN.map((k) => process.env[k] ?? '').filter((v) => v.length > 0);
}
