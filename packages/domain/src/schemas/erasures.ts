/**
 * Erasure (GDPR art. 17): the request, and the record that outlives the person's data: the
 * tombstone says that, when, by whom and why a participant was erased, and nothing about them.
 */
import * as z from 'zod';
import { AuditActor } from './audit.ts';
import { Id, IsoDate, ListQuery, Timestamp, text } from './common.ts';

export const ERASURE_SOURCES = ['request', 'retention'] as const;
/** The step an erasure is at: each is safe to run again, so a crash resumes where it stopped. */
export const ERASURE_STEPS = ['metrics', 'records', 'done'] as const;

export const ErasureRequest = z
  .strictObject({
    reason: text(500).meta({
      description:
        'Why (e.g. "the person\'s request of 2026-11-30, case 123"). Kept in the tombstone: ' +
        'write no personal data here.',
    }),
  })
  .meta({ id: 'ErasureRequest' });

export const Erasure = z
  .object({
    participantId: Id,
    source: z.enum(ERASURE_SOURCES).meta({
      description: "`request`: a tenant admin's; `retention`: the tenant's retention period ran out.",
    }),
    reason: z.string(),
    requestedAt: Timestamp,
    requestedBy: AuditActor,
    step: z.enum(ERASURE_STEPS).meta({ description: '`done` when nothing about the person is left.' }),
    completedAt: Timestamp.optional(),
  })
  .meta({ id: 'Erasure' });
export type Erasure = z.infer<typeof Erasure>;

export const ErasureListQuery = ListQuery;

export const RetentionDue = z
  .object({
    participantId: Id,
    lastActiveOn: IsoDate.meta({ description: 'The last day anything happened to the person.' }),
    dueOn: IsoDate.meta({ description: 'lastActiveOn plus the retention period.' }),
  })
  .meta({ id: 'RetentionDue' });

export const RetentionDuePage = z
  .object({
    asOf: IsoDate,
    retentionYears: z.number().int(),
    items: z.array(RetentionDue),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'RetentionDuePage' });
