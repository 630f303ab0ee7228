/**
 * Staff single sign-on: at most one OIDC identity provider per tenant, and a platform guard per
 * issuer written in the same transaction, so that one issuer's tokens can only ever open one tenant.
 */
import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, PreconditionFailedError, type schemas } from '@polku/domain';
import { keys } from '@polku/table';
import type { Db } from './db.ts';
import { getItem } from './read.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  stale,
  type WriteOptions,
} from './repository.ts';
import { commit, conditions, type WriteOp } from './write.ts';

export type IdentityProvider = schemas.IdentityProvider;
export type IdentityProviderFields = schemas.IdentityProviderInput;

/** The tenant an issuer belongs to, and what it registered. */
export interface IssuerRegistration {
  tenantId: string;
  provider: IdentityProvider;
}

const NAME = 'identity provider';
const GUARD_ENTITY = 'issuer';

export const identityProviders = repository<IdentityProvider>({
  name: NAME,
  entity: 'identity-provider',
  key: (tenantId) => keys.identityProvider(tenantId),
});

/** Issuers are URLs of any length; the guard's key holds the SHA-256 of the exact string. */
export function issuerHash(issuer: string): string {
  return createHash('sha256').update(issuer, 'utf8').digest('base64url');
}

function claimIssuer(tenantId: string, issuer: string): WriteOp {
  return {
    kind: 'put',
    item: { ...keys.issuer(issuerHash(issuer)), entity: GUARD_ENTITY, tenantId, issuer },
    condition: conditions.absent(),
    onConflict: () =>
      new ConflictError('issuer-taken', `the issuer ${issuer} is registered by another tenant`, { issuer }),
  };
}

/** Drops the tenant's own guard; a guard that is missing already is no reason to fail. */
function releaseIssuer(tenantId: string, issuer: string): WriteOp {
  return {
    kind: 'delete',
    key: keys.issuer(issuerHash(issuer)),
    condition: {
      expression: 'attribute_not_exists(PK) OR tenantId = :tenantId',
      values: { ':tenantId': tenantId },
    },
    onConflict: () => new ConflictError('issuer-taken', `the issuer ${issuer} belongs to another tenant`),
  };
}

export function findIdentityProvider(db: Db, tenantId: string): Promise<IdentityProvider | undefined> {
  return identityProviders.find(db, keys.identityProvider(tenantId));
}

/** The tenant's provider, or 404. */
export async function getIdentityProvider(db: Db, tenantId: string): Promise<IdentityProvider> {
  const found = await findIdentityProvider(db, tenantId);
  if (!found) throw new NotFoundError('no identity provider is registered for this tenant');
  return found;
}

/** Registers the tenant's first provider; 409 issuer-taken when another tenant has the issuer. */
export async function createIdentityProvider(
  db: Db,
  tenantId: string,
  fields: IdentityProviderFields,
  options: WriteOptions = {},
): Promise<IdentityProvider> {
  const provider = newResource(fields, options.now);
  const insert: WriteOp = {
    ...identityProviders.insert(tenantId, provider),
    onConflict: () =>
      new PreconditionFailedError('an identity provider was registered by another request; read it again'),
  };
  await commit(db, [insert, claimIssuer(tenantId, fields.issuer)], recordsOf(options, provider));
  return provider;
}

/** Replaces the registration at the expected version; a new issuer moves the guard with it. */
export async function replaceIdentityProvider(
  db: Db,
  tenantId: string,
  fields: IdentityProviderFields,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<IdentityProvider> {
  const current = await getIdentityProvider(db, tenantId);
  assertVersion(NAME, current, expectedVersion);
  const next = revised(current, fields, options.now);
  const moves =
    current.issuer === next.issuer
      ? []
      : [releaseIssuer(tenantId, current.issuer), claimIssuer(tenantId, next.issuer)];
  await commit(
    db,
    [identityProviders.replace(tenantId, next, expectedVersion), ...moves],
    recordsOf(options, next),
  );
  return next;
}

/** Removes the registration and frees its issuer; returns what was removed. */
export async function deleteIdentityProvider(
  db: Db,
  tenantId: string,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<IdentityProvider> {
  const current = await getIdentityProvider(db, tenantId);
  assertVersion(NAME, current, expectedVersion);
  const remove: WriteOp = {
    kind: 'delete',
    key: keys.identityProvider(tenantId),
    condition: conditions.version(expectedVersion),
    onConflict: () => stale(NAME, current.id),
  };
  await commit(db, [remove, releaseIssuer(tenantId, current.issuer)], recordsOf(options, current));
  return current;
}

/** Which tenant registered the issuer, and its registration; undefined for an unknown issuer. */
export async function findIssuerRegistration(
  db: Db,
  issuer: string,
): Promise<IssuerRegistration | undefined> {
  const guard = await getItem(db, keys.issuer(issuerHash(issuer)));
  const tenantId = guard?.entity === GUARD_ENTITY ? guard.tenantId : undefined;
  if (typeof tenantId !== 'string') return undefined;
  const provider = await findIdentityProvider(db, tenantId);
  // Guard and registration are written together; they disagree only while a change is in flight.
  return provider?.issuer === issuer ? { tenantId, provider } : undefined;
}
