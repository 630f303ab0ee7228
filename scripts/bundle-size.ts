/**
 * Bundles each Lambda handler exactly as the CDK stack does and prints its size, minified and gzipped.
 * Fails when a bundle grows past its budget: cold starts grow with it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { esbuildOptions, functionEntries } from '../infra/lib/bundling.ts';
import { metricsFunctionEntries } from '../infra/lib/metrics.ts';

const entries = { ...functionEntries, ...metricsFunctionEntries };
type FunctionName = keyof typeof entries;

// A guard against accidental growth (a whole locale table, a second SDK client), not a target:
// the cold-start benchmark is the measure that counts. The jobs function also runs the retention
// job's erasures; the docs function carries the OpenAPI document, which grows with the routes.
// The webhook functions carry ipaddr.js (13 KB) for the rule of which addresses they may POST to.
const budgetsKb: Record<FunctionName, number> = {
  api: 600,
  webhookDispatcher: 375,
  webhookRetrySweeper: 375,
  metricsProjector: 380,
  metricsJobs: 400,
  docs: 330,
};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const outdir = await mkdtemp(join(tmpdir(), 'polku-bundle-'));
const overBudget: string[] = [];
try {
  for (const [name, entry] of Object.entries(entries) as [FunctionName, string][]) {
    const outfile = join(outdir, name, 'index.mjs');
    await build({ ...esbuildOptions, entryPoints: [entry], outfile, logLevel: 'warning' });
    const code = await readFile(outfile);
    const budget = budgetsKb[name];
    const over = code.byteLength > budget * 1024;
    if (over) overBudget.push(`${name} (${kb(code.byteLength)} > ${budget} KB)`);
    const sizes = `${kb(code.byteLength).padStart(10)} minified ${kb(gzipSync(code).byteLength).padStart(10)} gzip`;
    console.log(`${name.padEnd(20)} ${sizes}${over ? '  over budget' : ''}`);
  }
} finally {
  await rm(outdir, { recursive: true, force: true });
}

if (overBudget.length > 0) {
  console.error(`Bundle budget exceeded: ${overBudget.join(', ')}`);
  process.exitCode = 1;
}
