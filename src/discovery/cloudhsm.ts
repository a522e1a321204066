// CloudHSM DescribeClusters, every page, kept as the API answered it.
import { type CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { type AwsFailure, classifyAwsError } from '../aws/errors.js';
import { captureRawBody } from '../aws/raw-capture.js';
import { jsonObject } from '../aws/wire-check.js';
import type { RawCluster } from '../snapshot/format.js';

const MAX_PAGES = 200;

export type ClustersOutcome =
  | { ok: true; clusters: RawCluster[]; pages: number }
  | { ok: false; failure: AwsFailure };

export async function describeAllClusters(
  client: CloudHSMV2Client,
  clusterIds: string[],
  signal: AbortSignal,
): Promise<ClustersOutcome> {
  const clusters: RawCluster[] = [];
  const seenTokens = new Set<string>();
  let nextToken: string | undefined;
  let pages = 0;
  try {
    do {
      const command = new DescribeClustersCommand({
        ...(clusterIds.length ? { Filters: { clusterIds } } : {}),
        ...(nextToken ? { NextToken: nextToken } : {}),
      });
      let raw: Buffer | undefined;
      captureRawBody(command, (b) => {
        raw = b;
      });
      const out = await client.send(command, { abortSignal: signal });
      pages++;
      // The decoding layer (src/aws/decode.ts) let only a JSON object through; read as it came.
      const parsed = raw
        ? jsonObject(raw.toString('utf8'))
        : { ok: true as const, value: { Clusters: out.Clusters } };
      const page = parsed.ok ? parsed.value : {};
      if (!parsed.ok || (page.Clusters !== undefined && !Array.isArray(page.Clusters))) {
        const reason = parsed.ok ? 'an answer whose Clusters is not a list' : parsed.reason;
        return {
          ok: false,
          failure: {
            kind: 'garbage',
            code: 'MalformedAnswer',
            message: `DescribeClusters answered ${reason}`,
            httpStatus: 200,
            operation: 'DescribeClusters',
            reason,
          },
        };
      }
      for (const c of (page.Clusters ?? []) as unknown[]) {
        if (c && typeof c === 'object') clusters.push(c as RawCluster);
      }
      nextToken = out.NextToken || undefined;
      if (nextToken !== undefined) {
        if (seenTokens.has(nextToken) || pages >= MAX_PAGES) {
          return {
            ok: false,
            failure: {
              kind: 'client',
              code: 'PagingLoop',
              message: `paging did not end after ${pages} pages`,
            },
          };
        }
        seenTokens.add(nextToken);
      }
    } while (nextToken !== undefined);
  } catch (e) {
    return { ok: false, failure: classifyAwsError(e) };
  }
  return { ok: true, clusters, pages };
}
