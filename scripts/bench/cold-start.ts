/**
 * Cold starts: a fresh Node process per run imports a bundle built exactly as deployed and answers
 * one API Gateway event. The API's participant read against the floor, alternated run by run so
 * both see the same machine noise. Times from spawn, on the wall clock parent and child share.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions, functionEntries } from '../../infra/lib/bundling.ts';
import { categoryOf, type Profile, type ProfileNode, selfTimeByCategory } from './investigate.ts';

const invoker = fileURLToPath(new URL('./invoke.mjs', import.meta.url));
const floorEntry = fileURLToPath(new URL('./floor-lambda.ts', import.meta.url));

/** One cold start, in milliseconds: spawn → Node ready → bundle imported → response returned. */
export interface ColdRun {
  boot: number;
  load: number;
  firstResponse: number;
  total: number;
}

/** Builds the API and the floor with the deployed esbuild options; returns each bundle's path. */
export async function bundleColdStartVariants(dir: string): Promise<{ api: string; floor: string }> {
  const entries = { api: functionEntries.api, floor: floorEntry };
  const bundles = { api: '', floor: '' };
  for (const [variant, entry] of Object.entries(entries) as ['api' | 'floor', string][]) {
    const outfile = join(dir, variant, 'index.mjs');
    await build({ ...esbuildOptions, entryPoints: [entry], outfile, logLevel: 'warning' });
    bundles[variant] = outfile;
  }
  return bundles;
}

const now = () => performance.timeOrigin + performance.now();

interface ChildResult {
  started: number;
  imported: number;
  responded: number;
  micros: { started: number; imported: number; responded: number };
  statusCode: number;
}

async function runChild(
  bundle: string,
  eventFile: string,
  resultFile: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ spawned: number; result: ChildResult }> {
  await rm(resultFile, { force: true });
  const spawned = now();
  // Lambda captures the function's stdout (its logs); so does this pipe.
  const child = spawn(process.execPath, [...nodeArgs, invoker, bundle, eventFile, resultFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stdout.resume();
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`cold start of ${bundle} exited with ${code}: ${errors}`);
  const result = JSON.parse(await readFile(resultFile, 'utf8')) as ChildResult;
  if (result.statusCode !== 200) throw new Error(`cold start of ${bundle} answered ${result.statusCode}`);
  return { spawned, result };
}

async function coldStart(
  bundle: string,
  eventFile: string,
  resultFile: string,
  env: Record<string, string>,
): Promise<ColdRun> {
  const { spawned, result } = await runChild(bundle, eventFile, resultFile, env);
  return {
    boot: result.started - spawned,
    load: result.imported - result.started,
    firstResponse: result.responded - result.imported,
    total: result.responded - spawned,
  };
}

export interface ColdVariant {
  name: string;
  bundle: string;
  env: Record<string, string>;
}

/**
 * Runs every variant `runs` times after one discarded run of each, in turns whose order rotates,
 * so that each variant goes first as often and all share the machine's noise.
 */
export async function measureColdStarts(
  dir: string,
  event: unknown,
  variants: ColdVariant[],
  runs: number,
): Promise<Map<string, ColdRun[]>> {
  const eventFile = join(dir, 'event.json');
  await writeFile(eventFile, JSON.stringify(event));
  const run = (variant: ColdVariant, i: number) =>
    coldStart(variant.bundle, eventFile, join(dir, `result-${i}.json`), variant.env);
  for (const [i, variant] of variants.entries()) await run(variant, i);
  const measured = new Map<string, ColdRun[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (round + k) % variants.length;
      const variant = variants[i]!;
      measured.get(variant.name)!.push(await run(variant, i));
    }
    process.stderr.write(`\r  cold starts: round ${round + 1} of ${runs}`);
  }
  process.stderr.write('\n');
  return measured;
}

/** Where each module of an unminified bundle begins: esbuild heads each with a `// path` comment. */
async function moduleStarts(bundle: string): Promise<{ line: number; path: string }[]> {
  const lines = (await readFile(bundle, 'utf8')).split('\n');
  return lines.flatMap((text, line) =>
    /^\/\/ \S+\.(m?js|cjs|ts|json)$/.test(text) ? [{ line, path: text.slice(3) }] : [],
  );
}

/**
 * A CPU profile of the API's cold start (`--cpu-prof`), its samples summed by the package whose
 * module ran, for init (import) and the first response apart. The bundle is the deployed build
 * but unminified, so that each sampled line can be traced to its module.
 */
export async function profileColdStart(
  dir: string,
  event: unknown,
  env: Record<string, string>,
  runs: number,
): Promise<{ init: Map<string, number>; firstResponse: Map<string, number> }> {
  const outfile = join(dir, 'api-plain', 'index.mjs');
  await build({
    ...esbuildOptions,
    minify: false,
    sourcemap: false,
    entryPoints: [functionEntries.api],
    outfile,
    logLevel: 'warning',
  });
  const starts = await moduleStarts(outfile);
  const moduleAt = (line: number) => {
    let found = '';
    for (const start of starts) {
      if (start.line > line) break;
      found = start.path;
    }
    return found;
  };
  const eventFile = join(dir, 'event.json');
  await writeFile(eventFile, JSON.stringify(event));
  const totals = { init: new Map<string, number>(), firstResponse: new Map<string, number>() };
  const bundleUrl = pathToFileURL(outfile).href;
  for (let i = 0; i < runs; i++) {
    const profiles = join(dir, `profiles-${i}`);
    const { result } = await runChild(outfile, eventFile, join(dir, 'profiled.json'), env, [
      '--cpu-prof',
      `--cpu-prof-dir=${profiles}`,
      '--cpu-prof-interval=100',
    ]);
    const [file] = await readdir(profiles);
    const profile = JSON.parse(await readFile(join(profiles, file!), 'utf8')) as Profile;
    const category = (node: ProfileNode) =>
      node.callFrame.url === bundleUrl
        ? categoryOf({ url: `/${moduleAt(node.callFrame.lineNumber)}`, functionName: '' })
        : categoryOf(node.callFrame);
    const phases = {
      init: selfTimeByCategory(profile, [[result.micros.started, result.micros.imported]], category),
      firstResponse: selfTimeByCategory(
        profile,
        [[result.micros.imported, result.micros.responded]],
        category,
      ),
    };
    for (const phase of ['init', 'firstResponse'] as const) {
      for (const [name, value] of phases[phase]) {
        totals[phase].set(name, (totals[phase].get(name) ?? 0) + value / runs);
      }
    }
  }
  return totals;
}
