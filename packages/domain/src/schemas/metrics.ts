import * as z from 'zod';
import { ENTRY_INDICATORS, RESULT_INDICATORS } from '../metrics/esf.ts';
import { SCOPE_KINDS } from '../metrics/facts.ts';
import { FIGURES, type FigureName } from '../metrics/figures.ts';
import { MAX_RETENTION_YEARS, MIN_RETENTION_YEARS } from '../retention.ts';
import { Id, IsoDate } from './common.ts';

/**
 * A month `YYYY-MM` from 2000 to 2099, the years events may be dated in, or a date on a month
 * boundary (the first for `from`, the last for `to`).
 */
const Month = z
  .string()
  .regex(/^20\d{2}-(0[1-9]|1[0-2])(-\d{2})?$/, 'must be a month YYYY-MM from 2000-01 to 2099-12')
  .meta({ example: '2026-01' });

export const MetricsQuery = z.object({
  scope: z.enum(SCOPE_KINDS).default('tenant'),
  id: Id.optional().meta({
    description: 'The programme, group, funding project or organisation; not for tenant.',
  }),
  from: Month.optional().meta({
    description: 'First month of the period; defaults to 11 months before `to`.',
  }),
  to: Month.optional().meta({ description: 'Last month of the period; defaults to this month.' }),
});

export const Cell = z
  .object({
    value: z.number().nullable().meta({ description: 'null when withheld, or a rate over nothing.' }),
    suppressed: z
      .boolean()
      .meta({ description: 'Withheld: a small count, or one it could be worked out from.' }),
  })
  .meta({ id: 'Cell' });

const figureCells = z
  .object(
    Object.fromEntries(Object.keys(FIGURES).map((name) => [name, Cell])) as Record<FigureName, typeof Cell>,
  )
  .meta({
    id: 'Figures',
    description: Object.entries(FIGURES)
      .map(([name, definition]) => `${name}: ${definition.description}.`)
      .join(' '),
  });

const Suppression = z
  .object({
    threshold: z.number().int().meta({ description: "The tenant's k: counts 1..k−1 are withheld." }),
    applied: z
      .boolean()
      .meta({ description: 'True for analysts; tenant admins and coaches see exact figures.' }),
  })
  .meta({ id: 'Suppression' });

export const Metrics = z
  .object({
    scope: z.object({ kind: z.enum(SCOPE_KINDS), id: z.string().nullable() }),
    from: z.string(),
    to: z.string(),
    asOf: IsoDate.meta({ description: 'The day the figures are counted on (time-dependent rules).' }),
    suppression: Suppression,
    figures: figureCells,
    series: z
      .array(z.object({ month: z.string(), figures: figureCells }))
      .meta({ description: 'Month by month.' }),
  })
  .meta({ id: 'Metrics' });

export const EsfReportQuery = z.object({
  'funding-project': Id,
  from: Month.optional().meta({ description: "Defaults to the project's first month." }),
  to: Month.optional().meta({ description: "Defaults to the project's last month." }),
});

const EsfRow = z
  .object({
    indicator: z.string(),
    label: z.string(),
    women: Cell,
    men: Cell,
    nonBinary: Cell,
    total: Cell,
  })
  .meta({ id: 'EsfRow' });

export const EsfReport = z
  .object({
    fundingProject: z.object({ id: Id, code: z.string(), name: z.string() }),
    from: z.string(),
    to: z.string(),
    asOf: IsoDate,
    suppression: Suppression,
    entry: z.array(EsfRow).meta({
      description: `Participants entering in the period, once per project: ${ENTRY_INDICATORS.map((r) => r.id).join(', ')}.`,
    }),
    results: z.array(EsfRow).meta({
      description: `Participants whose last exit falls in the period: ${RESULT_INDICATORS.map((r) => r.id).join(', ')}.`,
    }),
  })
  .meta({ id: 'EsfReport' });

export const TenantSettingsUpdate = z
  .strictObject({
    smallCountThreshold: z
      .number()
      .int()
      .min(2)
      .max(100)
      .optional()
      .meta({ description: 'k: analysts and funder exports see counts 1..k−1 withheld. Default 5.' }),
    retentionYears: z
      .number()
      .int()
      .min(MIN_RETENTION_YEARS)
      .max(MAX_RETENTION_YEARS)
      .optional()
      .meta({
        description:
          "Years a person's data is kept after the last day they were active; then the retention job " +
          'erases them. Default 5.',
      }),
  })
  .refine((value) => Object.keys(value).length > 0, 'give at least one setting to change')
  .meta({ id: 'TenantSettingsUpdate' });

/** The tenant's settings as they apply: defaults filled in. */
export const TenantSettings = z
  .object({
    id: z.string(),
    version: z.number().int().meta({ description: 'The ETag; send it in If-Match to PATCH /v1/tenant.' }),
    smallCountThreshold: z.number().int().meta({ description: 'k of small-count suppression.' }),
    retentionYears: z.number().int().meta({
      description: 'Years a person is kept after their last activity before the retention job erases them.',
    }),
  })
  .meta({ id: 'TenantSettings' });
export type TenantSettings = z.infer<typeof TenantSettings>;
