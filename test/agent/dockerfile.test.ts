// No container engine runs here, so the Dockerfile is checked for what can be checked without one:
// it parses, every file it copies exists, its build commands succeed in a clean copy holding only
// what it copies (dependencies from this checkout instead of the registry), it runs as non-root, and
// the production image's files start an agent that its own HEALTHCHECK finds healthy.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, startAgent, tempDir, waitFor } from './helpers.js';

interface Instruction {
  cmd: string;
  args: string;
  stage: number;
}

function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const line of logical) {
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`not an instruction: ${line}`);
    const cmd = m[1]!.toUpperCase();
    if (cmd === 'FROM') stage++;
    out.push({ cmd, args: m[2]!, stage });
  }
  return out;
}

const KNOWN = new Set([
  'FROM',
  'WORKDIR',
  'COPY',
  'RUN',
  'ENV',
  'USER',
  'EXPOSE',
  'HEALTHCHECK',
  'ENTRYPOINT',
  'CMD',
  'ARG',
  'LABEL',
]);
const docker = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const last = Math.max(...docker.map((i) => i.stage));

/** COPY sources (not --from) and destination, relative to WORKDIR /app. */
const copies = (stage: number) =>
  docker
    .filter((i) => i.stage === stage && i.cmd === 'COPY' && !i.args.startsWith('--from'))
    .map((i) => {
      const parts = i.args.split(/\s+/);
      return { sources: parts.slice(0, -1), dest: parts.at(-1)! };
    });

function place(dir: string, stage: number) {
  mkdirSync(dir, { recursive: true });
  for (const c of copies(stage))
    for (const src of c.sources) {
      const dest = c.dest.endsWith('/') ? join(dir, c.dest, src.split('/').at(-1)!) : join(dir, c.dest);
      cpSync(join(ROOT, src), dest, { recursive: true });
    }
}

/**
 * Runs a stage's RUN commands in `dir`. Tests reach no registry, so `npm ci` is stood in for by this
 * checkout's node_modules (installed by `npm ci` from the same lockfile), pruned with the same --omit
 * flags; the rest of each command runs as written. npm gets a throw-away cache directory, so a
 * `npm cache clean` in the Dockerfile cleans that, not this machine's cache.
 */
function runStage(dir: string, stage: number) {
  const cache = join(dir, '.npm-cache');
  for (const i of docker.filter((x) => x.stage === stage && x.cmd === 'RUN')) {
    let cmd = i.args;
    const ci = /^npm ci\b([^&]*)(?:&&\s*(.*))?$/.exec(cmd);
    if (ci) {
      cpSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), {
        recursive: true,
        verbatimSymlinks: true,
      });
      const omit = /--omit=dev/.test(ci[1]!) ? ' --omit=dev' : '';
      cmd = `npm prune${omit} --ignore-scripts${ci[2] ? ` && ${ci[2]}` : ''}`;
    }
    const r = spawnSync('sh', ['-c', cmd], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        npm_config_cache: cache,
        npm_config_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
      },
      timeout: 240_000,
    });
    expect(r.status, `RUN ${i.args} (as: ${cmd})\n${r.stdout}\n${r.stderr}`).toBe(0);
  }
}

describe('Dockerfile', () => {
  it('parses, on a supported Node LTS slim base, non-root, port and healthcheck', () => {
    for (const i of docker) expect(KNOWN.has(i.cmd), i.cmd).toBe(true);
    const froms = docker.filter((i) => i.cmd === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f.args).toMatch(/^node:(22|24)(\.\d+)*-slim(\s+AS\s+\w+)?$/i);
    const user = docker.filter((i) => i.stage === last && i.cmd === 'USER').at(-1);
    expect(user?.args).toBeDefined();
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(docker.find((i) => i.stage === last && i.cmd === 'EXPOSE')?.args).toBe('10223');
    expect(docker.find((i) => i.stage === last && i.cmd === 'HEALTHCHECK')?.args).toMatch(/CMD \["node"/);
    // Production dependencies only in the final image.
    const finalRuns = docker.filter((i) => i.stage === last && i.cmd === 'RUN').map((i) => i.args);
    expect(finalRuns.some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
  });

  it('copies only files that exist', () => {
    for (let s = 0; s <= last; s++)
      for (const c of copies(s))
        for (const src of c.sources) expect(existsSync(join(ROOT, src)), src).toBe(true);
  });

  it('builds in a clean copy, and the production files run an agent its HEALTHCHECK finds healthy', async () => {
    const dir = tempDir('docker');
    try {
      const build = join(dir, 'build');
      const app = join(dir, 'app');
      place(build, 0);
      runStage(build, 0);
      expect(existsSync(join(build, 'dist', 'src', 'cli', 'main.js'))).toBe(true);
      place(app, last);
      runStage(app, last);
      // COPY --from=build /app/dist ./dist
      for (const i of docker.filter((x) => x.stage === last && x.args.startsWith('--from'))) {
        const [, from, to] = /^--from=\S+\s+\/app\/(\S+)\s+\.\/(\S+)$/.exec(i.args) ?? [];
        expect(from, i.args).toBeDefined();
        cpSync(join(build, from!), join(app, to!), { recursive: true });
      }
      expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);
      expect(existsSync(join(app, 'node_modules', 'prom-client'))).toBe(true);
      const agent = await startAgent(
        ['--web.listen-address', '127.0.0.1:0', '--hsm-ip', '127.0.0.1', '--ports', '9'],
        {
          cli: join(app, 'bin', 'hsmwatch.js'),
          cwd: app,
          env: { NODE_ENV: 'production' },
        },
      );
      try {
        const hc = docker.find((i) => i.stage === last && i.cmd === 'HEALTHCHECK')!.args;
        const argv = JSON.parse(/CMD (\[.*\])$/.exec(hc)![1]!) as string[];
        const status = await new Promise<number | null>((resolve) => {
          const p = spawn(process.execPath, argv.slice(1), {
            env: { ...process.env, HSMWATCH_HEALTHCHECK_URL: `${agent.url}/-/healthy` },
            stdio: 'ignore',
          });
          p.once('exit', (code) => resolve(code));
        });
        expect(status).toBe(0);
        await waitFor({
          what: 'the image agent ready',
          fn: async () => (await fetch(`${agent.url}/-/ready`)).ok,
        });
      } finally {
        await agent.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
