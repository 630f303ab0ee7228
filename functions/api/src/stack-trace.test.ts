import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceMapped } from './stack-trace.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polku-stack-'));
  await writeFile(
    join(dir, 'fails.ts'),
    ['export function fails(): never {', '  // line 2', "  throw new Error('from line 3');", '}', ''].join(
      '\n',
    ),
  );
  await build({
    entryPoints: [join(dir, 'fails.ts')],
    outfile: join(dir, 'out', 'index.mjs'),
    bundle: true,
    format: 'esm',
    minify: true,
    sourcemap: true,
    logLevel: 'error',
  });
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('sourceMapped', () => {
  it('maps a frame of a minified bundle to the original file and line, from the map beside it', async () => {
    // In a plain Node process: the test runner maps stacks itself.
    const bundle = pathToFileURL(join(dir, 'out', 'index.mjs')).href;
    const script = `const { fails } = await import(${JSON.stringify(bundle)}); try { fails(); } catch (e) { process.stdout.write(e.stack); }`;
    const { stdout: stack } = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(stack).toMatch(/index\.mjs:1:\d+/);
    const mapped = sourceMapped(stack);
    expect(mapped).toMatch(/fails\.ts:3:\d+/);
    expect(mapped).not.toMatch(/index\.mjs:1:\d+/);
  });

  it('leaves frames without a map, and the message line, as they are', () => {
    const stack =
      'Error: read /etc/x.js:1:2 failed\n    at f (/nowhere/bundle.mjs:1:42)\n    at node:internal/x:2:3';
    expect(sourceMapped(stack)).toBe(stack);
  });

  it('answers undefined for an error without a stack, and never throws', () => {
    expect(sourceMapped(undefined)).toBeUndefined();
    expect(sourceMapped(42)).toBeUndefined();
  });
});
