// What a command loads is what its user waits for: the AWS SDK (~0.5 s, ~77 MB here) only when an AWS
// call is made, the config schema only when there is a config to read, the argument parser not even
// for --version. Checked on the built CLI with a module-load tracer (test/support/trace-imports.mjs).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startAgentOnWorld } from '../agent/helpers.js';
import { runCli } from '../support/cli.js';

const tracer = fileURLToPath(new URL('../support/trace-imports.mjs', import.meta.url));
const healthy = fileURLToPath(new URL('../scenarios/netpath/np-healthy.json', import.meta.url));

const bundleMeta = fileURLToPath(new URL('../../dist/bundle/meta.json', import.meta.url));

/**
 * The source modules behind a trace: the CLI ships as a bundle (tools/bundle.mjs), so a loaded chunk
 * stands for the modules its metafile says it holds (as `/node_modules/…` and `/dist/…` paths).
 */
function expand(trace: string): string[] {
  const outputs = (
    JSON.parse(readFileSync(bundleMeta, 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, unknown> }>;
    }
  ).outputs;
  return trace
    .split('\n')
    .filter(Boolean)
    .flatMap((url) => {
      const i = url.indexOf('/dist/bundle/');
      const chunk = i < 0 ? undefined : outputs[url.slice(i + 1)];
      return chunk ? Object.keys(chunk.inputs).map((m) => `/${m}`) : [url];
    });
}

async function loaded(args: string[], env: NodeJS.ProcessEnv = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'hsmwatch-trace-')), 'modules.txt');
  const r = await runCli(args, {
    env: { NODE_OPTIONS: `--import ${tracer}`, HSMWATCH_TRACE_IMPORTS: file, ...env },
  });
  const modules = expand(readFileSync(file, 'utf8'));
  return {
    code: r.code,
    modules,
    has: (pkg: string) => modules.some((m) => m.includes(`/node_modules/${pkg}`)),
  };
}

describe('lazy loading', () => {
  it('--version loads neither the argument parser, the config schema nor the SDK', async () => {
    const r = await loaded(['--version']);
    expect(r.code).toBe(0);
    expect(r.modules.length).toBeGreaterThan(0);
    for (const pkg of ['yargs', 'zod', 'yaml', '@aws-sdk/']) expect(r.has(pkg)).toBe(false);
  });

  it('--help and usage errors load the parser only', async () => {
    for (const args of [['--help'], ['diagnose', '--no-such-flag']]) {
      const r = await loaded(args);
      expect(r.has('yargs')).toBe(true);
      for (const pkg of ['zod', 'yaml', '@aws-sdk/', 'undici']) expect(r.has(pkg)).toBe(false);
    }
  });

  it('analyze and diagnose --hsm-ip do not load the AWS SDK', async () => {
    const analyze = await loaded(['analyze', healthy]);
    expect(analyze.code).toBe(0);
    expect(analyze.has('@aws-sdk/')).toBe(false);
    // No region known: only the HSM-side probes can run, and none of them needs AWS.
    const diagnose = await loaded(['diagnose', '--hsm-ip', '127.0.0.1', '--timeout', '300ms'], {
      AWS_REGION: undefined,
    });
    expect(diagnose.modules.some((m) => m.includes('/probes/hsm-reachability.js'))).toBe(true);
    expect(diagnose.has('@aws-sdk/')).toBe(false);
    // IMDS is disabled here and there is no config file: no HTTP client, no YAML parser.
    expect(diagnose.has('undici')).toBe(false);
    expect(diagnose.has('yaml')).toBe(false);
    // Metrics are the agent's: the probes declare theirs through the engine's factory.
    expect(diagnose.has('prom-client')).toBe(false);
  });

  it('the tracer does see the SDK when an AWS call is made', async () => {
    const r = await loaded([
      'diagnose',
      '--hsm-ip',
      '127.0.0.1',
      '--probe',
      'credentials',
      '--endpoint-url',
      'http://127.0.0.1:9',
    ]);
    expect(r.has('@aws-sdk/client-sts')).toBe(true);
  });

  it('the agent never loads the SDK: discovery and the SDK-using probes run in its AWS process', async () => {
    const run = await startAgentOnWorld('healthy', 66, 'lazy', undefined, (dir) => ({
      NODE_OPTIONS: `--import ${tracer}`,
      HSMWATCH_TRACE_IMPORTS: join(dir, 'modules-%p.txt'),
    }));
    try {
      const metrics = await (await fetch(`${run.agent.url}/metrics`)).text();
      // The first round is done: the SDK-using probes answered, from the AWS process.
      for (const probe of ['credentials', 'permissions'])
        expect(metrics).toMatch(
          new RegExp(`^cloudhsm_probe_runs_total\\{probe="${probe}",result="ok"\\} [1-9]`, 'm'),
        );
      expect(metrics).toMatch(/^cloudhsm_agent_aws_process_peak_rss_bytes\{task="discovery"\} [1-9]/m);
      const traces = readdirSync(run.dir).filter((f) => /^modules-\d+\.txt$/.test(f));
      const agentTrace = `modules-${run.agent.proc.pid}.txt`;
      expect(traces).toContain(agentTrace);
      const sdkIn = (f: string) =>
        expand(readFileSync(join(run.dir, f), 'utf8')).some((m) => m.includes('/node_modules/@aws-sdk/'));
      expect(sdkIn(agentTrace)).toBe(false);
      expect(traces.filter((f) => f !== agentTrace && sdkIn(f)).length).toBeGreaterThan(0);
    } finally {
      await run.stop();
    }
  }, 60_000);
});
