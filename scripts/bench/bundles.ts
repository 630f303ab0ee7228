/** Every Lambda bundled as the stack bundles it (what `pnpm bundle:size` measures), and its size. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { esbuildOptions, functionEntries } from '../../infra/lib/bundling.ts';
import { metricsFunctionEntries } from '../../infra/lib/metrics.ts';

export interface BundleSize {
  name: string;
  minified: number;
  gzip: number;
}

export async function bundleSizes(dir: string, extra: Record<string, string> = {}): Promise<BundleSize[]> {
  const entries = { ...functionEntries, ...metricsFunctionEntries, ...extra };
  const sizes: BundleSize[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    const outfile = join(dir, 'sizes', name, 'index.mjs');
    await build({ ...esbuildOptions, entryPoints: [entry], outfile, logLevel: 'warning' });
    const code = await readFile(outfile);
    sizes.push({ name, minified: code.byteLength, gzip: gzipSync(code).byteLength });
  }
  return sizes;
}
