/**
 * Where a warm request's time goes beyond its DynamoDB calls: a CPU profile of many requests,
 * its samples summed by the package whose code ran, and the cost of the request path's phases
 * measured alone (the token check, a request that never reaches DynamoDB).
 */
import { Session } from 'node:inspector/promises';
import type { App, AppConfig } from '@polku/api';
import { percentile } from './report.ts';

export interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string; lineNumber: number };
}

export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The package (or part of the runtime) a profiled function belongs to. */
export function categoryOf({
  url,
  functionName,
}: Pick<ProfileNode['callFrame'], 'url' | 'functionName'>): string {
  if (!url) {
    if (functionName === '(idle)') return 'idle: waiting for DynamoDB Local';
    if (functionName === '(garbage collector)') return 'garbage collection';
    return 'V8 and native code';
  }
  if (url.startsWith('node:')) {
    if (url.includes('internal/source_map')) return 'Node: source maps (--enable-source-maps)';
    if (url.includes('internal/modules')) return 'Node: module loader';
    if (url.includes('internal/deps/undici') || url.includes('webstreams')) {
      return 'Node: Request, Response, web streams (undici)';
    }
    return 'Node: other internals (http, net, crypto, url, timers)';
  }
  const at = url.lastIndexOf('node_modules/');
  if (at >= 0) {
    const [scope, name] = url.slice(at + 'node_modules/'.length).split('/');
    const pkg = scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? '');
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/')) return 'AWS SDK (@aws-sdk, @smithy)';
    if (pkg === 'hono' || pkg === '@hono/zod-openapi') return 'hono, @hono/zod-openapi';
    if (pkg === 'zod') return 'zod';
    if (pkg === 'jose') return 'jose (JWT)';
    return pkg;
  }
  const own = /\/(packages|functions)\/([^/]+)\//.exec(url);
  if (own) return own[1] === 'functions' ? 'Polku API (functions/api)' : `@polku/${own[2]}`;
  if (url.includes('/scripts/')) return 'benchmark harness';
  if (url === '/') return 'esbuild runtime helpers and banner';
  return 'other';
}

/** Self time in milliseconds by category, counting only samples taken inside the windows (µs, monotonic). */
export function selfTimeByCategory(
  profile: Profile,
  windows: [number, number][],
  categoryOfNode: (node: ProfileNode) => string = (node) => categoryOf(node.callFrame),
): Map<string, number> {
  const categories = new Map(profile.nodes.map((node) => [node.id, categoryOfNode(node)]));
  const totals = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, n) => {
    const delta = profile.timeDeltas[n] ?? 0;
    at += delta;
    if (!windows.some(([from, to]) => at >= from && at <= to)) return;
    const category = categories.get(id) ?? 'other';
    totals.set(category, (totals.get(category) ?? 0) + delta / 1000);
  });
  return totals;
}

const micros = () => Number(process.hrtime.bigint() / 1000n);

/**
 * CPU milliseconds per run of `work` by category, sampled every 100 µs. Only samples taken while
 * `work` runs count, so `between` (putting the table back) is not in it.
 */
export async function cpuProfileOf(
  work: () => Promise<void>,
  between: () => Promise<void>,
  runs: number,
): Promise<Map<string, number>> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const windows: [number, number][] = [];
    for (let i = 0; i < runs; i++) {
      const from = micros();
      await work();
      windows.push([from, micros()]);
      await between();
    }
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    const totals = selfTimeByCategory(profile, windows);
    for (const [category, value] of totals) totals.set(category, value / runs);
    return totals;
  } finally {
    session.disconnect();
  }
}

/** p50 of a phase run alone, in milliseconds. */
export async function phaseP50(work: () => Promise<unknown>, runs = 500): Promise<number> {
  for (let i = 0; i < 50; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await work();
    times.push(performance.now() - t);
  }
  return percentile(times, 50);
}

/** The request path's phases without DynamoDB: token verification, and whole requests that need no table. */
export async function phasesOf(app: App, config: AppConfig, token: string) {
  const request = (path: string, status: number) => async () => {
    const response = await app.request(path, { headers: { Authorization: `Bearer ${token}` } });
    await response.text();
    if (response.status !== status) throw new Error(`${path}: ${response.status}`);
  };
  return {
    'JWT verification (ES256, jose)': await phaseP50(() => config.tokens.verify(token, new Date())),
    'GET /health (hono, request id, log line; no auth)': await phaseP50(request('/health', 200)),
    'GET /v1/participants/not-an-id → 400 (auth, cached status, param validation, problem+json)':
      await phaseP50(request('/v1/participants/not-an-id', 400)),
  };
}
