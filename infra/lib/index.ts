export {
  type Deployment,
  deploymentsFor,
  type StageConfig,
  type StageName,
  stackNameOf,
  stages,
  validateStages,
} from '../config/stages.ts';
export { addPolkuStacks } from './app.ts';
export {
  esbuildOptions,
  type FunctionName,
  functionEntries,
  lambdaBundling,
  lambdaRuntime,
  nodeTarget,
} from './bundling.ts';
export {
  METRIC_SOURCE_FILTERS,
  MetricsProjector,
  type MetricsProjectorProps,
  metricsFunctionEntries,
} from './metrics.ts';
export { PolkuStack, type PolkuStackProps } from './polku-stack.ts';
export { type PolkuTableProps, polkuTable } from './table.ts';
export { DOMAIN_EVENT_FILTER, WebhookDispatcher, type WebhookDispatcherProps } from './webhook-dispatcher.ts';
