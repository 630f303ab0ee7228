/** Today in the tenant's calendar (see @polku/domain calendar.ts): the default date of what staff record. */
import { dayOf } from '@polku/domain';
import type { AppContext } from './env.ts';

export const today = (c: AppContext): string => dayOf(c.var.config.now());
