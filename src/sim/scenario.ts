// A scenario: a snapshot (the product's contract) plus how the simulated world behaves around it.
// One format drives the demo, the tests and `analyze` (which reads only `snapshot`).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { printable } from '../config/issues.js';
import type { Snapshot } from '../snapshot/format.js';
import { parseSnapshot, SNAPSHOT_LIMITS } from '../snapshot/read.js';
import { readBoundedText } from '../util/files.js';
import { packageRoot } from '../util/paths.js';
import type { AwsFault } from './aws-server.js';
import type { SimIdentity } from './sts-api.js';

export type { AwsFault } from './aws-server.js';

import type { SimClientSdkSpec, SimTlsSpec } from './tls-world.js';

export type NetworkAction = 'drop' | 'reset' | 'host-unreachable' | 'net-unreachable';

export interface Scenario {
  name: string;
  description: string;
  snapshot: Snapshot;
  sim?: {
    /** HSM ports with nothing listening (a connect gets a TCP reset): "ip": [ports]. */
    closedPorts?: Record<string, number[]>;
    /** Packet-filter rules applied in a private network namespace (nftables). */
    network?: Array<{ ip: string; port?: number; action: NetworkAction }>;
    imds?: { tokenBlocked?: boolean; absent?: boolean };
    faults?: Record<string, AwsFault>;
    /** Page size per operation, to exercise NextToken paging. */
    pageSize?: Record<string, number>;
    /** TLS of the simulated AWS endpoints (default: HTTPS with scenarios/pki, Node's defaults). */
    awsTls?: SimTlsSpec;
    /** How far the AWS endpoints' clock (their Date header) is from this host's, in seconds. */
    clockSkewSeconds?: number;
    /** A TLS-inspecting proxy (HTTPS_PROXY) between this host and the AWS endpoints. */
    interceptingProxy?: boolean;
    /** The Client SDK configuration on this host. */
    clientSdk?: SimClientSdkSpec;
    /** Who sts:GetCallerIdentity says the caller is. */
    identity?: SimIdentity;
    /** The ECS task metadata endpoint v4's `/task` answer (served on loopback; IMDS then absent). */
    ecsTask?: Record<string, unknown>;
    /** `demo` audits the simulated estate (`hsmwatch audit`, read live) instead of diagnosing it. */
    audit?: boolean;
  };
  expect?: {
    exitCode?: number;
    live?: Record<string, string>;
  };
}

export function scenarioDir(): string {
  return join(packageRoot(), 'scenarios');
}

export function listScenarios(): Array<{ name: string; description: string }> {
  return readdirSync(scenarioDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => loadScenarioFile(join(scenarioDir(), f)))
    .map((s) => ({ name: s.name, description: s.description }));
}

export function loadScenario(name: string): Scenario {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`"${name}" is not a scenario name`);
  const names = listScenarios().map((s) => s.name);
  if (!names.includes(name)) throw new Error(`unknown scenario "${name}"; scenarios: ${names.join(', ')}`);
  return loadScenarioFile(join(scenarioDir(), `${name}.json`));
}

export function loadScenarioFile(path: string): Scenario {
  // `demo --scenario-file` reads a user's file: bounded, and its snapshot held to the contract.
  const read = readBoundedText(path, SNAPSHOT_LIMITS.maxBytes);
  if (!read.ok) throw new Error(`${path}: not a readable JSON scenario (${read.reason})`);
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch (e) {
    throw new Error(`${path}: not a readable JSON scenario (${printable((e as Error).message)})`);
  }
  const s = raw as Partial<Scenario>;
  if (
    !s ||
    typeof s !== 'object' ||
    typeof s.name !== 'string' ||
    !s.snapshot ||
    typeof s.snapshot !== 'object'
  ) {
    throw new Error(`${path}: a scenario needs "name" and "snapshot"`);
  }
  if (s.snapshot.hsmwatchSnapshot !== 1) throw new Error(`${path}: snapshot.hsmwatchSnapshot must be 1`);
  parseSnapshot(read.text, path);
  return { description: '', ...s } as Scenario;
}
