export {
  attributes,
  billingMode,
  createTableInput,
  type IndexDefinition,
  type IndexId,
  indexes,
  stream,
  TABLE_NAME_DEFAULT,
} from './definition.ts';
export {
  collections,
  indexKeys,
  type Key,
  keys,
  METRICS_DUE_SHARDS,
  PARTICIPANT_SHARDS,
  shardOf,
  WEBHOOK_RETRY_SHARDS,
} from './keys.ts';
