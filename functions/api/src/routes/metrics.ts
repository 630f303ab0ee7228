/**
 * Outcome metrics, the ESF+ indicator report and the follow-up list. Metrics and the report read
 * the month buckets the projector keeps: one key query per scope, however many participants it has.
 * Analysts see small counts withheld (the tenant's k); the ESF+ CSV, the funder's export, always does.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Role } from '@polku/auth';
import { DEFAULT_RETENTION_YEARS, metrics, NotFoundError, schemas, ValidationError } from '@polku/domain';
import {
  changeTenantSettings,
  getItem,
  getTenant,
  listFollowUps,
  readBuckets,
  type Tenant,
} from '@polku/storage';
import { keys } from '@polku/table';
import * as z from 'zod';
import { auditedRead } from '../http/audit.ts';
import type { AppContext, AppEnv } from '../http/env.ts';
import { etagOf, expectedVersion } from '../http/etag.ts';
import { readCursor, writeCursor } from '../http/paging.ts';
import { json, jsonBody, route } from '../http/route.ts';
import { today } from '../http/today.ts';

/** Roles that see exact figures; everyone else (analysts) sees small counts withheld. */
const EXACT: readonly Role[] = ['tenant_admin', 'coach'];
const MAX_MONTHS = 120;

/** A `from`/`to` query value as a month; a date must sit on the month's boundary. */
function monthOf(value: string, end: 'from' | 'to'): string {
  if (value.length === 7) return value;
  const month = value.slice(0, 7);
  const boundary = end === 'from' ? metrics.firstDayOf(month) : metrics.lastDayOf(month);
  if (value !== boundary) {
    const message = `metrics are kept by calendar month: give ${end} as YYYY-MM or as ${boundary}`;
    throw new ValidationError(message, [{ field: `query.${end}`, message }]);
  }
  return month;
}

function periodOf(from: string | undefined, to: string | undefined, defaults: { from: string; to: string }) {
  const last = to === undefined ? defaults.to : monthOf(to, 'to');
  const first =
    from === undefined
      ? to === undefined
        ? defaults.from
        : metrics.addMonths(last, -11)
      : monthOf(from, 'from');
  if (metrics.monthIndex(first) > metrics.monthIndex(last)) {
    throw new ValidationError('the period ends before it starts', [
      { field: 'query.to', message: 'to must not be before from' },
    ]);
  }
  if (metrics.monthCount(first, last) > MAX_MONTHS) {
    throw new ValidationError(`a period is at most ${MAX_MONTHS} months`, [
      { field: 'query.from', message: `at most ${MAX_MONTHS} months before to` },
    ]);
  }
  return { from: first, to: last };
}

/** The scope's bucket name, after checking that what it names exists in the caller's tenant. */
async function scopeOf(c: AppContext, kind: metrics.ScopeKind, id: string | undefined): Promise<string> {
  if (kind === 'tenant') {
    if (id !== undefined) {
      throw new ValidationError('the tenant scope takes no id', [
        { field: 'query.id', message: 'omit id for scope tenant' },
      ]);
    }
    return metrics.scopeName('tenant');
  }
  if (id === undefined) {
    throw new ValidationError(`scope ${kind} needs an id`, [
      { field: 'query.id', message: `the ${kind} id` },
    ]);
  }
  const { tenantId } = c.var.principal;
  const key =
    kind === 'programme'
      ? keys.programme(tenantId, id)
      : kind === 'funding-project'
        ? keys.fundingProject(tenantId, id)
        : kind === 'organisation'
          ? keys.organisation(tenantId, id)
          : undefined;
  // Groups are keyed under their programme; an unknown group simply has no figures.
  if (key) {
    const item = await getItem(c.var.config.db, key);
    if (item?.entity !== kind) throw new NotFoundError(`${kind} ${id} not found`);
  }
  return metrics.scopeName(kind, id);
}

async function thresholdOf(c: AppContext): Promise<number> {
  const tenant = await getTenant(c.var.config.db, c.var.principal.tenantId);
  return tenant.smallCountThreshold ?? metrics.DEFAULT_SUPPRESSION_THRESHOLD;
}

/** The tenant's settings as they apply, defaults filled in. */
export function settingsOf(tenant: Tenant): schemas.TenantSettings {
  return {
    id: tenant.id,
    version: tenant.version,
    smallCountThreshold: tenant.smallCountThreshold ?? metrics.DEFAULT_SUPPRESSION_THRESHOLD,
    retentionYears: tenant.retentionYears ?? DEFAULT_RETENTION_YEARS,
  };
}

export function registerMetrics(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/metrics',
      tag: 'Metrics',
      permission: 'metrics:read',
      summary: 'Outcome metrics of a scope and period, with a monthly series',
      description:
        'Every figure of the product brief for the tenant, a programme, a group, a funding project or an ' +
        'organisation, over whole calendar months. Counts are exact and follow writes within seconds; ' +
        'figures that depend on time (a job reaching 120 days, six months after leaving) change on their ' +
        'day. Analysts see counts from 1 to k−1 withheld, with every figure they could be worked out from.',
      request: { query: schemas.MetricsQuery },
      responses: { 200: json(schemas.Metrics, 'The figures') },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const asOf = today(c);
      const period = periodOf(query.from, query.to, {
        from: metrics.addMonths(asOf.slice(0, 7), -11),
        to: asOf.slice(0, 7),
      });
      const [scope, k] = await Promise.all([scopeOf(c, query.scope, query.id), thresholdOf(c)]);
      const { buckets } = await readBuckets(
        c.var.config.db,
        c.var.principal.tenantId,
        scope,
        'MONTH',
        null,
        period.to,
      );
      const applied = !EXACT.includes(c.var.principal.role);
      const cells = metrics.presentFigures(
        metrics.figuresOf(buckets, period.from, period.to),
        applied ? k : null,
      );
      return c.json(
        {
          scope: { kind: query.scope, id: query.id ?? null },
          ...period,
          asOf,
          suppression: { threshold: k, applied },
          ...cells,
        },
        200,
      );
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/reports/esf',
      tag: 'Metrics',
      permission: 'reports:read',
      summary: 'The ESF+ indicator report of a funding project',
      description:
        'Common output indicators at entry by gender, and result indicators, each participant once per ' +
        'funding project however often they re-enter. JSON, or CSV with `Accept: text/csv`: the CSV is ' +
        "the funder's export and always has small counts withheld; in JSON only analysts' are.",
      request: { query: schemas.EsfReportQuery },
      responses: {
        200: {
          description: 'The report',
          content: {
            'application/json': { schema: schemas.EsfReport },
            'text/csv': { schema: z.string() },
          },
        },
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const { db } = c.var.config;
      const { tenantId } = c.var.principal;
      const projectId = query['funding-project'];
      const [project, k] = await Promise.all([
        getItem(db, keys.fundingProject(tenantId, projectId)),
        thresholdOf(c),
      ]);
      if (project?.entity !== 'funding-project')
        throw new NotFoundError(`funding project ${projectId} not found`);
      const period = periodOf(query.from, query.to, {
        from: String(project.periodStart).slice(0, 7),
        to: String(project.periodEnd).slice(0, 7),
      });
      const scope = metrics.scopeName('funding-project', projectId);
      const { buckets } = await readBuckets(db, tenantId, scope, 'ESF', period.from, period.to);
      const sum: metrics.Counters = {};
      for (const counters of buckets.values()) metrics.addCounters(sum, counters);
      const csv = (c.req.header('Accept') ?? '').includes('text/csv');
      const applied = csv || !EXACT.includes(c.var.principal.role);
      const report = metrics.presentEsf(sum, applied ? k : null);
      if (csv) {
        c.header(
          'Content-Disposition',
          `attachment; filename="esf-${String(project.code)}-${period.from}-${period.to}.csv"`,
        );
        return c.body(metrics.esfCsv(report), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
      }
      return c.json(
        {
          fundingProject: { id: projectId, code: String(project.code), name: String(project.name) },
          ...period,
          asOf: today(c),
          suppression: { threshold: k, applied },
          ...report,
        },
        200,
      );
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/follow-ups',
      tag: 'Metrics',
      permission: 'follow-ups:read',
      summary: 'Whom to call: follow-ups due after exits and not yet recorded',
      description:
        'A follow-up is due 28 days, 4 months (120 days) and 6 months (182 days) after an exit. It counts as ' +
        'recorded once an outcome of the person is recorded or verified (verifiedOn) on or after its due date. ' +
        'Soonest first; each page of people is recorded in the audit trail.',
      request: { query: schemas.FollowUpListQuery },
      responses: { 200: json(schemas.page(schemas.FollowUp, 'FollowUpPage'), 'A page of follow-ups') },
    }),
    async (c) => {
      const { 'due-before': dueBefore = today(c), coachId, ...query } = c.req.valid('query');
      const filters = { dueBefore, coachId };
      const page = await listFollowUps(c.var.config.db, c.var.principal.tenantId, filters, {
        limit: query.limit,
        startKey: readCursor(c, query, filters),
      });
      // The page names people: its read is audited like any list of participants.
      await auditedRead(
        c,
        'follow-up.list',
        [...new Set(page.items.map((f) => f.participantId))],
        async () => undefined,
      );
      return c.json({ items: page.items, nextCursor: writeCursor(c, page.lastKey, filters) }, 200);
    },
  );

  app.openapi(
    route({
      method: 'patch',
      path: '/v1/tenant',
      tag: 'Tenant',
      permission: 'tenant:manage',
      ifMatch: true,
      summary: "Change the tenant's settings",
      description:
        'smallCountThreshold is k of small-count suppression (default 5); retentionYears how long a person ' +
        'is kept after their last activity before the retention job erases them (default 5).',
      request: { body: jsonBody(schemas.TenantSettingsUpdate) },
      responses: { 200: json(schemas.TenantSettings, 'The settings') },
    }),
    async (c) => {
      const tenant = await changeTenantSettings(
        c.var.config.db,
        c.var.principal.tenantId,
        c.req.valid('json'),
        expectedVersion(c),
        { now: c.var.config.now() },
      );
      c.header('ETag', etagOf(tenant.version));
      return c.json(settingsOf(tenant), 200);
    },
  );
}
