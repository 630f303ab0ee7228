import * as z from 'zod';
import { ID_PATTERN } from '../ids.ts';

export const Id = z
  .string()
  .regex(ID_PATTERN, 'must be a ULID')
  .meta({ example: '01KAQ4T0Z8X2N5W7P9R3M6B1CD' });
/** Any date Polku keeps (a birth date, a consent's expiry): bounded, so no loop over days can run away. */
export const IsoDate = z.iso
  .date('must be a date YYYY-MM-DD')
  .refine((date) => date >= '1900-01-01' && date <= '2199-12-31', 'must be a date from 1900 to 2199')
  .meta({ example: '2026-09-01' });
/** The date of something that happens in a service (a start, an exit, an outcome): 2000–2099. */
export const EventDate = IsoDate.refine(
  (date) => date >= '2000-01-01' && date <= '2099-12-31',
  'must be a date from 2000 to 2099',
);
export const Timestamp = z.iso.datetime({ message: 'must be an ISO 8601 UTC time' }).meta({
  example: '2026-09-01T07:00:00Z',
});

/** A trimmed, non-empty string of at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

export const Email = z.email().max(254);
export const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{5,20}$/, 'must be a phone number');

/** Fields every stored resource carries. */
export const resourceMeta = {
  id: Id,
  version: z.number().int().positive().meta({ description: 'Increases on every change; the ETag.' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const IdParam = z.object({ id: Id.meta({ param: { name: 'id', in: 'path' } }) });

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25).meta({ description: 'Items per page, 1–100.' }),
  cursor: z.string().max(4096).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
});

export const page = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().meta({ description: 'Opaque; null on the last page.' }),
    })
    .meta({ id: name });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });
