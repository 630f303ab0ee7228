/**
 * The docs page, fetched over HTTP as a browser would: it and everything it loads come from Polku
 * itself, and its Content-Security-Policy lets it load nothing from another host, so it works
 * offline and tells no third party who reads it.
 */
import type { AddressInfo } from 'node:net';
import { serveLocally } from '@polku/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from './support/harness.ts';

let server: Awaited<ReturnType<typeof serveLocally>>;
let origin: string;

beforeAll(async () => {
  const harness = await createHarness();
  server = await serveLocally(harness.config, 0);
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/** The addresses a page loads: its scripts, stylesheets and icons, resolved against the page. */
const loadedBy = (html: string, base: string) =>
  [...html.matchAll(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]*)"/g)].map(
    ([, address]) => new URL(address!, base),
  );

/** The addresses a stylesheet loads: url(...) and @import. */
const loadedByStylesheet = (css: string, base: string) =>
  [...css.matchAll(/url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3/g)].map(
    ([, , address, , imported]) => new URL((address ?? imported)!, base),
  );

const fromPolku = (url: URL) => url.protocol === 'data:' || url.origin === origin;

describe('the docs page', () => {
  it('loads Swagger UI, its styles and the script that starts it from Polku itself, each served', async () => {
    const page = await fetch(`${origin}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    const loaded = loadedBy(await page.text(), `${origin}/docs`);
    expect(loaded.map((url) => url.href)).toEqual([
      'data:,',
      `${origin}/docs/swagger-ui.css`,
      `${origin}/docs/swagger-ui-bundle.js`,
      `${origin}/docs/start.js`,
    ]);
    for (const url of loaded.filter((url) => url.protocol !== 'data:')) {
      const response = await fetch(url);
      expect(response.status, url.href).toBe(200);
      expect(response.headers.get('content-type'), url.href).toBe(TYPES[/\.\w+$/.exec(url.pathname)![0]]);
      expect((await response.text()).length, url.href).toBeGreaterThan(0);
    }
  });

  it('has styles that load nothing from another host', async () => {
    const css = await (await fetch(`${origin}/docs/swagger-ui.css`)).text();
    const loaded = loadedByStylesheet(css, `${origin}/docs/swagger-ui.css`);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((url) => !fromPolku(url)).map((url) => url.href)).toEqual([]);
  });

  it('starts Swagger UI on the document Polku serves, with the validator (a third party) off', async () => {
    const start = await (await fetch(`${origin}/docs/start.js`)).text();
    const documentUrl = new URL(/url: '([^']+)'/.exec(start)![1]!, `${origin}/docs`);
    expect(documentUrl.href).toBe(`${origin}/v1/openapi.json`);
    expect(start).toContain("validatorUrl: 'none'");
    const document = await fetch(documentUrl);
    expect(document.status).toBe(200);
    expect(document.headers.get('content-type')).toBe(TYPES['.json']);
    // Nothing in it makes Swagger UI fetch from elsewhere: no servers, no external references.
    const body = (await document.json()) as Record<string, unknown>;
    expect(body.servers).toBeUndefined();
    expect(body.externalDocs).toBeUndefined();
    const refs = [...JSON.stringify(body).matchAll(/"\$ref":"([^"]*)"/g)].map(([, ref]) => ref);
    expect(refs.filter((ref) => !ref!.startsWith('#/'))).toEqual([]);
  });

  it('lets the browser load nothing from any other host (Content-Security-Policy)', async () => {
    for (const path of ['/docs', '/docs/start.js', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css']) {
      const policy = (await fetch(`${origin}${path}`)).headers.get('content-security-policy') ?? '';
      const directives = new Map(
        policy.split(';').map((directive) => {
          const [name, ...sources] = directive.trim().split(/\s+/);
          return [name!, sources];
        }),
      );
      expect(directives.get('default-src'), path).toEqual(["'none'"]);
      const sources = [...directives.values()].flat();
      expect(
        sources.filter((source) => !["'self'", "'none'", "'unsafe-inline'", 'data:'].includes(source)),
        path,
      ).toEqual([]);
      expect(directives.get('script-src'), path).toEqual(["'self'"]);
      expect(directives.get('connect-src'), path).toEqual(["'self'"]);
    }
  });

  it('answers another method on its files with 405, and an unknown file with 404', async () => {
    const post = await fetch(`${origin}/docs/swagger-ui.css`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect((await fetch(`${origin}/docs/swagger-ui.js.map`)).status).toBe(404);
    expect((await fetch(`${origin}/docs/..%2Fpackage.json`)).status).toBe(404);
  });
});
