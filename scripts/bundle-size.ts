/**
 * Bundles each Lambda handler exactly as the CDK stack does and prints its size, minified and gzipped,
 * beside its budget and what is left of it. Fails when a bundle grows past its budget: cold starts grow
 * with it.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { SWAGGER_UI_FILES } from '../functions/api/src/docs.ts';
import { swaggerUiDist } from '../functions/api/src/swagger-ui.ts';
import { esbuildOptions, functionEntries } from '../infra/lib/bundling.ts';
import { metricsFunctionEntries } from '../infra/lib/metrics.ts';

const entries = { ...functionEntries, ...metricsFunctionEntries };
type FunctionName = keyof typeof entries;

// A guard against accidental growth (a whole locale table, a second SDK client), not a target:
// the cold-start benchmark is the measure that counts. The jobs function also runs the retention
// job's erasures; the docs function carries the OpenAPI document, which grows with the routes.
// The webhook functions carry ipaddr.js (13 KB) for the rule of which addresses they may POST to,
// and since the workspace packages are side-effect free, none of the API's schemas.
const budgetsKb: Record<FunctionName, number> = {
  api: 600,
  webhookDispatcher: 240,
  webhookRetrySweeper: 240,
  metricsProjector: 380,
  metricsJobs: 400,
  docs: 330,
};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const columns = (...cells: string[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(20) : cell.padStart(11))).join(' ');

const outdir = await mkdtemp(join(tmpdir(), 'polku-bundle-'));
const overBudget: string[] = [];
console.log(columns('function', 'minified', 'gzip', 'budget', 'headroom'));
try {
  for (const [name, entry] of Object.entries(entries) as [FunctionName, string][]) {
    const outfile = join(outdir, name, 'index.mjs');
    await build({ ...esbuildOptions, entryPoints: [entry], outfile, logLevel: 'warning' });
    const code = await readFile(outfile);
    const budget = budgetsKb[name] * 1024;
    const headroom = budget - code.byteLength;
    if (headroom < 0) overBudget.push(`${name} (${kb(code.byteLength)} > ${budgetsKb[name]} KB)`);
    const left = headroom < 0 ? `over by ${kb(-headroom)}` : kb(headroom);
    console.log(
      columns(name, kb(code.byteLength), kb(gzipSync(code).byteLength), `${budgetsKb[name]} KB`, left),
    );
  }
} finally {
  await rm(outdir, { recursive: true, force: true });
}
// Served by the docs function as they are, read only when the page asks for them.
const swaggerUi = await Promise.all(
  Object.keys(SWAGGER_UI_FILES).map(async (name) => (await stat(new URL(name, swaggerUiDist()))).size),
);
console.log(
  `docs also ships Swagger UI's files beside its code: ${kb(swaggerUi.reduce((a, b) => a + b, 0))}, read when /docs asks for them`,
);

if (overBudget.length > 0) {
  console.error(`Bundle budget exceeded: ${overBudget.join(', ')}`);
  process.exitCode = 1;
}
