// The dashboard JSON against Grafana's published dashboard schema. Grafana itself cannot run here
// (not in Debian, and the npm package `grafana` is a placeholder), and no npm package ships the
// schema as JSON Schema: @grafana/schema, Grafana's own package, ships it as the TypeScript types
// generated from the CUE kinds (the dashboard, and each panel plugin's options and field config).
// The dashboard is checked against those types by the TypeScript compiler: every key must be one
// the schema knows (excess property checks), every value of the type and enum it declares. Panel
// options and custom field config are checked against their plugin's types, as are the values of
// field overrides. What the types leave open (Panel.options is a record, queries are records) is
// what the per-plugin checks and test/agent/prometheus.test.ts cover.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const FILE = join(ROOT, 'dashboards', 'hsmwatch-dashboard.json');
const dashboard = JSON.parse(readFileSync(FILE, 'utf8')) as {
  __inputs: unknown;
  __requires: unknown;
  panels: Array<Panel>;
  [k: string]: unknown;
};
interface Panel {
  id: number;
  type: string;
  title: string;
  options?: unknown;
  fieldConfig?: {
    defaults: { custom?: unknown };
    overrides: Array<{ matcher: unknown; properties: Array<{ id: string; value?: unknown }> }>;
  };
  [k: string]: unknown;
}

/** Panel type → the module of its generated options and field config types in @grafana/schema. */
const PLUGIN_TYPES: Record<string, { module: string; fieldConfig: boolean }> = {
  table: { module: 'table/panelcfg/x/TablePanelCfg_types.gen', fieldConfig: true },
  stat: { module: 'stat/panelcfg/x/StatPanelCfg_types.gen', fieldConfig: false },
  timeseries: { module: 'timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen', fieldConfig: true },
  bargauge: { module: 'bargauge/panelcfg/x/BarGaugePanelCfg_types.gen', fieldConfig: false },
  'state-timeline': { module: 'statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen', fieldConfig: true },
};

// The JSON form of a schema type: enums as the strings they stand for; for panel options, every key
// optional as Grafana fills in the defaults of missing ones.
const PRELUDE = `
import type * as g from '@grafana/schema';
type Json<T> = T extends string ? \`\${T}\`
  : T extends number | boolean | null | undefined ? T
  : T extends ReadonlyArray<infer U> ? Array<Json<U>>
  : T extends object ? { [K in keyof T]: Json<T[K]> }
  : T;
type Partially<T> = T extends string ? \`\${T}\`
  : T extends number | boolean | null | undefined ? T
  : T extends ReadonlyArray<infer U> ? Array<Partially<U>>
  : T extends object ? { [K in keyof T]?: Partially<T[K]> }
  : T;
type FieldConfig = Omit<g.FieldConfig, 'custom'>;
type Override<C, Id extends string> = Id extends \`custom.\${infer K}\`
  ? K extends keyof C ? Partially<C[K]> : never
  : Id extends keyof FieldConfig ? Json<FieldConfig[Id]> : never;
type Dashboard = Json<Omit<g.Dashboard, 'panels'>> & { panels: Array<Json<g.RowPanel> | Json<g.Panel>> };
`;

/**
 * Keys Grafana writes itself but the schema does not declare, checked here instead: a query
 * variable's `definition` (what the variable editor shows; Grafana's export writes it) is the text
 * of its query.
 */
function withoutSchemaGaps(model: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(model) as { templating: { list: Array<Record<string, unknown>> } };
  for (const v of copy.templating.list) {
    if ('definition' in v) expect(v.definition, String(v.name)).toBe((v.query as { query: string }).query);
    delete v.definition;
  }
  return copy;
}

/** The TypeScript module that states, for every part of the dashboard, the schema type it has. */
function checkSource(): { source: string; checked: string[] } {
  const checked: string[] = [];
  const lines = [PRELUDE];
  const { __inputs, __requires, ...model } = dashboard;
  lines.push(`export const dashboard = ${JSON.stringify(withoutSchemaGaps(model))} satisfies Dashboard;`);
  checked.push('dashboard');
  dashboard.panels.forEach((p, i) => {
    const plugin = PLUGIN_TYPES[p.type];
    if (!plugin) return;
    const mod = `P${i}`;
    lines.push(`import type * as ${mod} from '@grafana/schema/dist/esm/raw/composable/${plugin.module}';`);
    lines.push(
      `export const options${i} = ${JSON.stringify(p.options ?? {})} satisfies Partially<${mod}.Options>;`,
    );
    const custom = plugin.fieldConfig ? `${mod}.FieldConfig` : 'Record<string, never>';
    lines.push(
      `export const custom${i} = ${JSON.stringify(p.fieldConfig?.defaults.custom ?? {})} satisfies Partially<${custom}>;`,
    );
    for (const [j, o] of (p.fieldConfig?.overrides ?? []).entries())
      for (const [k, prop] of o.properties.entries())
        lines.push(
          `export const override${i}_${j}_${k} = ${JSON.stringify(prop.value ?? null)} satisfies Override<${custom}, ${JSON.stringify(prop.id)}>;`,
        );
    checked.push(`${p.type} "${p.title}"`);
  });
  return { source: lines.join('\n'), checked };
}

/** Compiles the check module in memory, resolving @grafana/schema from the project. */
function diagnostics(source: string): string[] {
  const file = join(ROOT, 'test', 'agent', '__dashboard-schema-check__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => f === file || fileExists(f);
  host.readFile = (f) => (f === file ? source : readFile(f));
  host.getSourceFile = (f, lang, ...rest) =>
    f === file ? ts.createSourceFile(f, source, lang) : getSourceFile(f, lang, ...rest);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `line ${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : '';
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('dashboard JSON against Grafana’s dashboard schema (@grafana/schema)', () => {
  const version = (createRequire(import.meta.url)('@grafana/schema/package.json') as { version: string })
    .version;

  it(`matches the types of @grafana/schema ${version}: dashboard, panel options, field config, overrides`, () => {
    const { source, checked } = checkSource();
    expect(diagnostics(source)).toEqual([]);
    // Every panel but the rows is checked against its plugin's types.
    expect(checked.length - 1).toBe(dashboard.panels.filter((p) => p.type !== 'row').length);
  }, 60_000);

  it('rejects what Grafana would not accept: an unknown key, a wrong enum value, a wrong value type', () => {
    const { source } = checkSource();
    const table = dashboard.panels.findIndex((p) => p.type === 'table');
    const broken = [
      // a misspelt dashboard key
      source.replace('"schemaVersion":', '"schemaVersoin":'),
      // a table cell display mode that does not exist
      source.replace(/(export const override\w+ = \{"type":)"color-background"/, '$1"colour-background"'),
      // an option of the wrong type
      source.replace(new RegExp(`(export const options${table} = \\{)`), '$1"showHeader":"yes",'),
      // a misspelt panel key, a value mapping of a type that does not exist
      source.replace('"gridPos":', '"gridPoz":'),
      source.replace(/(export const override\w+ = \[\{"type":)"value"/, '$1"values"'),
      // an override property Grafana does not know
      source.replace(
        /satisfies Override<([^,]+), "custom\.width">/,
        'satisfies Override<$1, "custom.widht">',
      ),
    ];
    for (const b of broken) {
      expect(b).not.toBe(source);
      expect(diagnostics(b).length, String(broken.indexOf(b))).toBeGreaterThan(0);
    }
  }, 60_000);

  it('carries the import wrapper Grafana’s export writes: the datasource input and what it requires', () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    ]);
    expect(dashboard.__requires).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'grafana', id: 'grafana' }),
        expect.objectContaining({ type: 'datasource', id: 'prometheus' }),
      ]),
    );
  });
});
