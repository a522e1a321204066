// Hostile AWS API and IMDS peers on loopback for the fault suite (test/faults/aws.test.ts): one HTTP
// server plays CloudHSM (AWS JSON 1.1), EC2 (the EC2 query protocol) and STS (the AWS query
// protocol), answering each operation validly unless a case says how it misbehaves; another plays
// IMDSv2 with a tree of paths a case can spoil.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HostilePeer, hostileHttp } from './support.js';

export type Behaviour = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface AwsRequestSeen {
  operation: string;
  dryRun: boolean;
}

/** The operation of a request: the JSON target, or the query protocol's Action. */
export function operationOf(req: IncomingMessage, body: string): AwsRequestSeen {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return { operation: target.split('.').pop() ?? '', dryRun: false };
  const form = new URLSearchParams(body);
  return { operation: form.get('Action') ?? '', dryRun: form.get('DryRun') === 'true' };
}

export const HSM_IP = '127.0.80.50';
export const ACCOUNT = '123456789012';

export const CLUSTERS = {
  Clusters: [
    {
      ClusterId: 'cluster-faultsuite01',
      State: 'ACTIVE',
      VpcId: 'vpc-0fa0175000000001',
      SecurityGroup: 'sg-0fa0175000000001',
      SubnetMapping: { 'us-east-1a': 'subnet-0fa0175000000001' },
      Hsms: [
        {
          HsmId: 'hsm-faultsuite01',
          State: 'ACTIVE',
          EniId: 'eni-0fa0175000000050',
          EniIp: HSM_IP,
          SubnetId: 'subnet-0fa0175000000001',
          AvailabilityZone: 'us-east-1a',
        },
      ],
    },
  ],
};

export const STS_OK = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/fault-suite</Arn><UserId>AIDAFAULTSUITEUSER01</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000001</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

export const ec2Ok = (op: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${op}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId></${op}Response>`;

export const ec2Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>r-1</RequestID></Response>`;

/** What AWS answers when everything is fine (a DryRun: DryRunOperation, HTTP 412, as EC2 does). */
export const wellBehaved: Behaviour = (req, res, body) => {
  const { operation, dryRun } = operationOf(req, body);
  if (operation === 'DescribeClusters') {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(CLUSTERS));
  } else if (operation === 'GetCallerIdentity') {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(STS_OK);
  } else if (dryRun) {
    res.writeHead(412, { 'content-type': 'text/xml;charset=UTF-8' });
    res.end(ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.'));
  } else {
    res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
    res.end(ec2Ok(operation));
  }
};

/**
 * One endpoint for all three APIs: `spoil` says how a request misbehaves (return true when it
 * answered), else it is answered well.
 */
export function awsPeer(
  spoil: (seen: AwsRequestSeen, req: IncomingMessage, res: ServerResponse, body: string) => boolean,
) {
  const seen: AwsRequestSeen[] = [];
  return hostileHttp((req, res, body) => {
    const s = operationOf(req, body);
    seen.push(s);
    if (!spoil(s, req, res, body)) wellBehaved(req, res, body);
  }).then((peer) => Object.assign(peer, { seen }));
}

export const MAC = (i: number) => `0a:fa:17:00:00:${i.toString(16).padStart(2, '0')}`;

/** An IMDS tree of an instance with `enis` interfaces (path under /latest/meta-data/ → text). */
export function imdsTree(enis = 1): Map<string, string> {
  const t = new Map<string, string>([
    ['instance-id', 'i-0fa0175000000001'],
    ['placement/availability-zone', 'us-east-1a'],
    ['placement/region', 'us-east-1'],
    ['network/interfaces/macs/', Array.from({ length: enis }, (_, i) => `${MAC(i)}/`).join('\n')],
  ]);
  for (let i = 0; i < enis; i++) {
    const base = `network/interfaces/macs/${MAC(i)}`;
    const n = String(i + 1).padStart(2, '0');
    t.set(`${base}/interface-id`, `eni-0fa01750000000${n}`);
    t.set(`${base}/device-number`, String(i));
    t.set(`${base}/subnet-id`, 'subnet-0fa0175000000001');
    t.set(`${base}/vpc-id`, 'vpc-0fa0175000000001');
    t.set(`${base}/security-group-ids`, 'sg-0fa0175000000002');
    t.set(`${base}/local-ipv4s`, `127.0.80.${10 + i}`);
    t.set(`${base}/ipv6s`, '');
  }
  return t;
}

export interface ImdsPeerOptions {
  tree?: Map<string, string>;
  /** Every answer this late. */
  delayMs?: number;
  /** No answer at all to the token PUT (the hop limit drops it) / to a GET without a token. */
  silentPut?: boolean;
  silentPlainGet?: boolean;
}

const TOKEN = 'AQAEAFaultSuiteImdsToken00000000000000000000000000000==';

/** IMDSv2: a token for a PUT, the tree's paths for GETs that carry it, 401 without, 404 elsewhere. */
export function imdsPeer(o: ImdsPeerOptions = {}): Promise<HostilePeer> {
  const tree = o.tree ?? imdsTree();
  return hostileHttp((req, res) => {
    const answer = (status: number, text: string) => {
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(text);
      };
      if (o.delayMs) setTimeout(send, o.delayMs);
      else send();
    };
    const url = req.url ?? '';
    if (req.method === 'PUT' && url === '/latest/api/token') {
      if (!o.silentPut) answer(200, TOKEN);
      return;
    }
    if (req.headers['x-aws-ec2-metadata-token'] !== TOKEN) {
      if (!o.silentPlainGet) answer(401, '');
      return;
    }
    const path = url.replace(/^\/latest\/meta-data\//, '');
    const text = tree.get(path);
    if (text === undefined) answer(404, 'Not Found');
    else answer(200, text);
  });
}
