// The JSON report contract of ../shared/product.md, as a strict schema: extra or missing keys fail.
import { z } from 'zod';

const status = z.enum(['pass', 'warn', 'fail', 'skip', 'error']);

export const reportSchema = z.strictObject({
  hsmwatchReport: z.literal(1),
  generatedAt: z.iso.datetime(),
  summary: z.strictObject({
    pass: z.number().int(),
    warn: z.number().int(),
    fail: z.number().int(),
    skip: z.number().int(),
    error: z.number().int(),
  }),
  paths: z.array(
    z.strictObject({
      clusterId: z.string().nullable(),
      hsmId: z.string().nullable(),
      eniIp: z.union([z.ipv4(), z.ipv6()]),
      port: z.number().int().min(1).max(65535),
      clientEni: z.string().nullable(),
      static: z
        .strictObject({
          verdict: z.enum(['reachable', 'blocked', 'unknown']),
          blockedBy: z.array(
            z.strictObject({
              component: z.enum([
                'client-sg-egress',
                'hsm-sg-ingress',
                'client-nacl-outbound',
                'client-nacl-inbound-return',
                'hsm-nacl-inbound',
                'hsm-nacl-outbound-return',
                'client-route',
                'hsm-return-route',
                'peering',
              ]),
              resourceIds: z.array(z.string()),
              detail: z.string(),
            }),
          ),
        })
        .optional(),
      live: z
        .strictObject({
          state: z.enum(['open', 'refused', 'timeout', 'unreachable', 'error']),
          connectMs: z.number().nonnegative(),
        })
        .optional(),
    }),
  ),
  endpoints: z.array(z.looseObject({ host: z.string(), port: z.number().int() })),
  findings: z.array(
    z.strictObject({
      id: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/),
      status,
      target: z.string(),
      message: z.string().min(1),
      evidence: z.record(z.string(), z.unknown()),
      remediation: z.string().min(1).optional(),
    }),
  ),
});

export function parseReport(json: string) {
  return reportSchema.parse(JSON.parse(json));
}
