// The CloudHSM operations the simulation answers (read-only).
import type { OperationHandler } from './aws-server.js';
import { paginate } from './aws-server.js';

interface DescribeClustersParams {
  Filters?: Record<string, string[]>;
  NextToken?: string;
  MaxResults?: number;
}

const describeClusters: OperationHandler = (params, ctx) => {
  const p = params as DescribeClustersParams;
  const answer = ctx.snapshot.aws['cloudhsmv2:DescribeClusters'] as
    | { Clusters?: Array<Record<string, unknown>> }
    | undefined;
  let clusters = answer?.Clusters ?? [];
  const f = p.Filters ?? {};
  if (f.clusterIds) clusters = clusters.filter((c) => f.clusterIds!.includes(String(c.ClusterId)));
  if (f.vpcIds) clusters = clusters.filter((c) => f.vpcIds!.includes(String(c.VpcId)));
  if (f.states) clusters = clusters.filter((c) => f.states!.includes(String(c.State)));
  const { page, nextToken } = paginate(clusters, p.NextToken, p.MaxResults ?? ctx.pageSize);
  return { body: { Clusters: page, ...(nextToken ? { NextToken: nextToken } : {}) } };
};

export const CLOUDHSM_OPERATIONS: Record<string, OperationHandler> = {
  'cloudhsmv2:DescribeClusters': describeClusters,
};
