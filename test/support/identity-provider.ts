/**
 * Tenants' own OIDC identity providers, played by the tests: a JWKS server on loopback that serves
 * each provider's key set at its own path, RS256 keys, and staff tokens signed with them.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { Harness } from './harness.ts';

/** Outside the OpenAPI document, behind the same authentication as every /v1 route: who a token is. */
export const WHOAMI = '/v1/test/principal';

/** Adds WHOAMI: before the app's first request, as no route can be added once the router has matched one. */
export function addWhoami(harness: Harness): void {
  harness.app.get(WHOAMI, (c) => c.json(c.var.principal));
}

export interface TestKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
}

/** A fresh RS256 key pair, its public half as the JWK a provider publishes. */
export async function newKey(): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface TokenDefaults {
  /** The `aud` of the tokens unless a story overrides it. */
  audience: string;
  /** The `sub` of the tokens unless a story overrides it. */
  subject: string;
  /** The clock `iat` and `exp` are set by: the API's own, so stories that move it stay valid. */
  now: () => Date;
}

/** An identity provider as the API sees it: an issuer, and the key set it serves at its JWKS URI. */
export class TestProvider {
  published: TestKey[] = [];
  /** How many times the API fetched this provider's JWKS. */
  fetches = 0;

  constructor(
    readonly issuer: string,
    private readonly defaults: TokenDefaults,
  ) {}

  get jwksUri() {
    return `${this.issuer}/jwks.json`;
  }

  /** Replaces the key set the JWKS URI serves. */
  publish(...keys: TestKey[]) {
    this.published = keys;
  }

  /**
   * A valid token (issuer, audience, subject, five minutes of life) signed with the newest published
   * key; claims override, and a claim set to undefined is left out.
   */
  token(claims: Record<string, unknown> = {}, key: TestKey = this.published.at(-1)!): Promise<string> {
    const now = Math.floor(this.defaults.now().getTime() / 1000);
    const { audience: aud, subject: sub } = this.defaults;
    return new SignJWT({ iss: this.issuer, aud, sub, iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }
}

export interface IdentityProviders {
  /** `http://127.0.0.1:<port>`: every provider's issuer is a path under it. */
  baseUrl: string;
  /** A new provider publishing one key, its issuer `<baseUrl>/<name>` (`idp-<n>` by default). */
  provider(name?: string): Promise<TestProvider>;
  stop(): Promise<void>;
}

/** Starts the JWKS server. Tokens get `defaults` unless their claims say otherwise. */
export async function startIdentityProviders(
  defaults: Partial<TokenDefaults> = {},
): Promise<IdentityProviders> {
  const tokenDefaults: TokenDefaults = {
    audience: 'polku',
    subject: 'staff@idp.example',
    now: () => new Date(),
    ...defaults,
  };
  const byJwksPath = new Map<string, TestProvider>();
  const server = createServer((request, response) => {
    const provider = byJwksPath.get(request.url ?? '');
    if (!provider) {
      response.writeHead(404).end();
      return;
    }
    provider.fetches++;
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ keys: provider.published.map((key) => key.publicJwk) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let count = 0;
  return {
    baseUrl,
    async provider(name = `idp-${++count}`) {
      const provider = new TestProvider(`${baseUrl}/${name}`, tokenDefaults);
      if (byJwksPath.has(new URL(provider.jwksUri).pathname)) throw new Error(`provider ${name} exists`);
      provider.publish(await newKey());
      byJwksPath.set(new URL(provider.jwksUri).pathname, provider);
      return provider;
    },
    async stop() {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}

/** An http URL on loopback where nothing listens: a JWKS URI whose keys cannot be fetched. */
export async function closedLoopbackUrl(path = '/jwks.json'): Promise<string> {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const { port } = closed.address() as AddressInfo;
  closed.close();
  await once(closed, 'close');
  return `http://127.0.0.1:${port}${path}`;
}
