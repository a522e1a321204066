// Simulated STS: GetCallerIdentity over the query protocol (form-encoded POST, Version 2011-06-15)
// with the XML answer STS sends. Only requests with STS's API version are claimed, so another query
// protocol (EC2's) can sit beside it.
import type { OperationHandler, Protocol } from './aws-server.js';

export const STS_VERSION = '2011-06-15';

export interface SimIdentity {
  Account: string;
  Arn: string;
  UserId: string;
}

export const DEMO_IDENTITY: SimIdentity = {
  Account: '111122223333',
  Arn: 'arn:aws:sts::111122223333:assumed-role/hsmwatch-demo/i-0d3m0c11e47000001',
  UserId: 'AROADEMOROLE000000000:i-0d3m0c11e47000001',
};

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
let counter = 0;
const requestId = () => `c0ffee00-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

export const stsQueryProtocol: Protocol = {
  match(req, body) {
    if (req.method !== 'POST') return null;
    const params = Object.fromEntries(new URLSearchParams(body));
    if (params.Version !== STS_VERSION || typeof params.Action !== 'string') return null;
    const { Action, Version: _v, ...rest } = params;
    return { service: 'sts', operation: Action, params: rest };
  },
  answer(res, _service, operation, result) {
    const fields = Object.entries(result)
      .map(([k, v]) => `<${k}>${esc(String(v))}</${k}>`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() });
    res.end(
      `<${operation}Response xmlns="https://sts.amazonaws.com/doc/${STS_VERSION}/"><${operation}Result>${fields}</${operation}Result><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${operation}Response>`,
    );
  },
  error(res, _service, status, code, message) {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() });
    res.end(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/${STS_VERSION}/"><Error><Type>Sender</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`,
    );
  },
};

export function stsOperations(identity: SimIdentity = DEMO_IDENTITY): Record<string, OperationHandler> {
  return {
    'sts:GetCallerIdentity': () => ({ body: { ...identity } }),
  };
}
