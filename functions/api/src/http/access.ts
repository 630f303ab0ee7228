/**
 * Whether an already-issued token still opens the door: its tenant must be active and its API
 * client not revoked. Statuses are cached per process for `statusCacheSeconds` (30 s), so a
 * suspension or revocation reaches every running instance within that time at the cost of one
 * read per tenant and client per instance per period.
 */
import type { Principal } from '@polku/auth';
import { TenantNotActiveError, UnauthorizedError } from '@polku/domain';
import { findClient, findTenant } from '@polku/storage';
import type { AppConfig } from '../config.ts';
import { ExpiringCache } from './expiring-cache.ts';

export class StatusCache {
  private readonly statuses: ExpiringCache<string>;

  constructor(private readonly config: AppConfig) {
    this.statuses = new ExpiringCache(config.statusCacheSeconds * 1000, () => config.now().getTime());
  }

  /** Refuses a principal whose tenant is not active (403) or whose client was revoked (401). */
  async assertActive(principal: Principal): Promise<void> {
    if (principal.kind === 'operator') {
      if (!this.config.operators.has(principal.subject))
        throw new UnauthorizedError('the operator is not known');
      return;
    }
    const { db } = this.config;
    const [tenantStatus, clientStatus] = await Promise.all([
      this.statuses.get(
        `T#${principal.tenantId}`,
        async () => (await findTenant(db, principal.tenantId))?.status ?? 'gone',
      ),
      principal.kind === 'client'
        ? this.statuses.get(`C#${principal.tenantId}#${principal.subject}`, async () => {
            const client = await findClient(db, principal.subject);
            return client?.clientId.startsWith(`${principal.tenantId}.`) ? client.status : 'gone';
          })
        : Promise.resolve('active'),
    ]);
    if (clientStatus !== 'active') throw new UnauthorizedError('the API client of this token was revoked');
    if (tenantStatus !== 'active') throw new TenantNotActiveError(tenantStatus);
  }
}
