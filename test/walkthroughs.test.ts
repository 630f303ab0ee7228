/**
 * Every shell walkthrough of the README and docs/, run as a newcomer would run it against `pnpm dev`:
 * the same stack (packages/devstack's startDevStack) on a port of its own, from a copy of the
 * repository root with its own .data/, each section's commands in one bash, what each prints
 * checked against what the text shows under it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevStack, startDevStack } from '@polku/devstack';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  matches,
  type RunResult,
  runAll,
  runWalkthrough,
  type Walkthrough,
  walkthroughsIn,
} from './support/walkthroughs.ts';

const root = new URL('..', import.meta.url).pathname;
const pages = ['README.md', ...readdirSync(join(root, 'docs')).map((file) => `docs/${file}`)].filter((page) =>
  page.endsWith('.md'),
);
const walkthroughs = pages.flatMap((page) => walkthroughsIn(page, readFileSync(join(root, page), 'utf8')));

/** A directory that looks like the repository root to every command, with a .data/ of its own. */
async function checkoutCopy(): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), 'polku-checkout-'));
  for (const entry of readdirSync(root)) {
    if (entry === '.data' || entry === '.git') continue;
    await symlink(join(root, entry), join(copy, entry));
  }
  return copy;
}

/**
 * The environment a newcomer's shell has: no test settings, none of the repository's own
 * node_modules/.bin that `pnpm test` puts on the PATH, and the stack's port. The Node 24 and pnpm
 * that .ci/run installs into .tools/ stay: they stand for the ones a newcomer installs first.
 */
function shellEnv(port: number): Record<string, string> {
  const keep = ['HOME', 'LANG', 'TMPDIR', 'USER'];
  const env = Object.fromEntries(
    keep.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
  );
  const path = (process.env.PATH ?? '')
    .split(':')
    .filter((dir) => !dir.startsWith(root) || dir.startsWith(join(root, '.tools/')))
    .join(':');
  return { ...env, PATH: path, PORT: String(port) };
}

let stack: DevStack;
let copy: string;
let scratchDir: string;
let runs: Map<string, Promise<RunResult>>;
const errors: Record<string, unknown>[] = [];

beforeAll(async () => {
  copy = await checkoutCopy();
  scratchDir = await mkdtemp(join(tmpdir(), 'polku-walkthroughs-'));
  stack = await startDevStack({
    dataDir: join(copy, '.data'),
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: `walkthroughs-${randomUUID()}`,
    log: (entry) => {
      if (entry.level === 'error') errors.push(entry);
    },
  });
  runs = runAll(walkthroughs, { cwd: copy, env: shellEnv(stack.port), stateDir: scratchDir, concurrency: 4 });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  // A background webhook receiver a failed walkthrough left running.
  const receiver = join(copy, '.data', 'webhook-receiver.json');
  if (existsSync(receiver)) {
    try {
      process.kill(JSON.parse(readFileSync(receiver, 'utf8')).pid, 'SIGKILL');
    } catch {}
  }
  await rm(copy, { recursive: true, force: true });
  await rm(scratchDir, { recursive: true, force: true });
});

describe('every walkthrough in the docs, run against the local stack', () => {
  for (const walkthrough of walkthroughs) {
    it(`${walkthrough.page} § ${walkthrough.title}`, async () => {
      const { failure } = await runs.get(walkthrough.id)!;
      if (failure) expect.fail(failure);
    }, 120_000);
  }

  it('left nothing logged as an error by the stack', async () => {
    await Promise.all(runs.values());
    expect(errors).toEqual([]);
  });
});

describe('the walkthrough runner', () => {
  const page = (markdown: string) => walkthroughsIn('test.md', markdown);
  const run = async (walkthrough: Walkthrough) => {
    const dir = await mkdtemp(join(tmpdir(), 'polku-runner-'));
    try {
      return await runWalkthrough(walkthrough, { cwd: dir, env: shellEnv(1), stateDir: dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('tells the output under a command from prose above one', () => {
    const [tour] = page(
      [
        '# T',
        '```bash',
        '# prose at the top',
        'A=1',
        'echo $A',
        '# 1',
        '',
        '# prose after a blank line',
        'echo two',
        '# two',
        'B=2',
        '```',
      ].join('\n'),
    );
    expect(tour!.steps.map(({ code, expected }) => ({ code, expected }))).toEqual([
      { code: '# prose at the top\nA=1\necho $A', expected: ['1'] },
      { code: '# prose after a blank line\necho two', expected: ['two'] },
      { code: 'B=2', expected: [] },
    ]);
  });

  it('skips blocks marked not-run and follows "Continues in the shell of" links', () => {
    const found = page(
      [
        '# T',
        '## One',
        '```sh not-run',
        'pnpm dev',
        '```',
        '```bash',
        'X=1',
        '```',
        '## Two',
        '_Continues in the shell of [One](#one)._',
        '```sh',
        'echo $X',
        '# 1',
        '```',
      ].join('\n'),
    );
    expect(found.map(({ id, continues, steps }) => ({ id, continues, steps: steps.length }))).toEqual([
      { id: 'test.md#one', continues: undefined, steps: 1 },
      { id: 'test.md#two', continues: 'test.md#one', steps: 1 },
    ]);
  });

  it('allows for what varies where the text marks it, and nothing else', () => {
    const vars = { P1: '01KB' };
    const today = '2026-11-30';
    expect(matches(['{"id":"01…","at":"<today>"}'], ['{"id":"01KAB","at":"2026-11-30"}'], vars, today)).toBe(
      true,
    );
    expect(
      matches(['Location: /v1/participants/<$P1>'], ['Location: /v1/participants/01KB'], vars, today),
    ).toBe(true);
    expect(matches(['a', '…', 'z'], ['a', 'b', 'c', 'z'], vars, today)).toBe(true);
    expect(matches(['{"due":"<date>"}'], ['{"due":"2026-04-12"}'], vars, today)).toBe(true);
    expect(matches(['{"audit":3}'], ['{"audit":4}'], vars, today)).toBe(false);
    expect(matches(['"at":"<today>"'], ['"at":"2026-11-23"'], vars, today)).toBe(false);
    expect(
      matches(['Location: /v1/participants/<$P1>'], ['Location: /v1/participants/01KC'], vars, today),
    ).toBe(false);
    expect(matches(['one line'], ['one line', 'and another'], vars, today)).toBe(false);
    expect(matches([], ['something printed where the text shows nothing'], vars, today)).toBe(false);
  });

  it('fails a walkthrough that drifted, naming the page, the section, the command and the difference', async () => {
    const [drifted] = page(
      ['# T', '## Audit', '```bash', 'N=4', 'echo "{\\"audit\\":$N}"', '# {"audit":3}', '```'].join('\n'),
    );
    const { failure } = await run(drifted!);
    expect(failure).toContain('test.md:4 (§ Audit)');
    expect(failure).toContain('echo "{\\"audit\\":$N}"');
    expect(failure).toContain('- {"audit":3}\n+ {"audit":4}');
  });

  it('fails a command that fails, in a shell with errexit, nounset and pipefail', async () => {
    const [broken] = page(
      [
        '# T',
        '## Broken',
        '```bash',
        'echo before',
        '# before',
        'false | cat',
        'echo after',
        '# after',
        '```',
      ].join('\n'),
    );
    const { failure } = await run(broken!);
    expect(failure).toContain('test.md:6 (§ Broken): the shell exited with 1');
  });
});
