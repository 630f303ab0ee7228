import type { schemas } from '@polku/domain';
import { collections, keys } from '@polku/table';
import { rootResource } from './root-resources.ts';

export type Organisation = schemas.Organisation;

export const organisations = rootResource<Organisation>({
  name: 'organisation',
  entity: 'organisation',
  keyOf: keys.organisation,
  collection: collections.organisations,
});
