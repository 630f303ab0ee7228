import type { schemas } from '@polku/domain';
import { collections, keys } from '@polku/table';
import { rootResource } from './root-resources.ts';

export type FundingProject = schemas.FundingProject;

export const fundingProjects = rootResource<FundingProject>({
  name: 'funding project',
  entity: 'funding-project',
  keyOf: keys.fundingProject,
  collection: collections.fundingProjects,
});
