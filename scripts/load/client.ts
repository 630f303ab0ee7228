/**
 * Requests over real HTTP on loopback (Node's fetch keeps connections alive), each timed and
 * counted under an operation name; a 5xx or a status the operation did not expect is kept as a sample.
 */
import type { Stats } from './stats.ts';

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are read field by field
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses the operation counts on; any other is reported (a 5xx always is). */
  expect?: readonly number[];
}

export class LoadClient {
  constructor(
    readonly baseUrl: string,
    readonly stats: Stats,
  ) {}

  async send(
    op: string,
    token: string | undefined,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
    const started = performance.now();
    let status: number;
    let responseHeaders: Headers;
    let text: string;
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined
          ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
          : {}),
      });
      status = response.status;
      responseHeaders = response.headers;
      text = await response.text();
    } catch (error) {
      // A refused or broken connection is the server's failure, counted as a 5xx of its own (599).
      status = 599;
      responseHeaders = new Headers();
      text = JSON.stringify({ type: 'connection-failed', detail: (error as Error).message });
    }
    this.stats.record(op, status, performance.now() - started);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {}
    const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const sample = {
      op,
      method,
      path,
      status,
      type:
        typeof problem.type === 'string' ? problem.type.replace('https://polku.fi/problems/', '') : undefined,
      detail: typeof problem.detail === 'string' ? problem.detail : undefined,
      requestId: responseHeaders.get('x-request-id') ?? undefined,
    };
    if (status >= 500) this.stats.serverError(sample);
    else if (options.expect && !options.expect.includes(status)) this.stats.unexpectedStatus(sample);
    return { status, headers: responseHeaders, body };
  }
}
