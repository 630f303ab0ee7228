/**
 * Stands in for `@aws-sdk/middleware-endpoint-discovery` in the Lambda bundles (an esbuild alias in
 * infra/lib/bundling.ts). DynamoDB's endpoint discovery is opt-in and Polku never turns it on: the
 * regional endpoint is the one to use. Without it the endpoint cache (mnemonist, 8 KB) stays out;
 * discovery is off whatever AWS_ENABLE_ENDPOINT_DISCOVERY says.
 */
interface Stack {
  add(middleware: unknown, options: unknown): void;
}

export const NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS = {
  environmentVariableSelector: () => false,
  configFileSelector: () => false,
  default: false,
};

export const resolveEndpointDiscoveryConfig = <T extends object>(input: T) =>
  Object.assign(input, {
    endpointDiscoveryEnabled: () => Promise.resolve(false),
    isClientEndpointDiscoveryEnabled: false,
  });

export const endpointDiscoveryMiddlewareOptions = {
  name: 'endpointDiscoveryMiddleware',
  step: 'build',
  tags: ['ENDPOINT_DISCOVERY'],
  override: true,
};

const nothing = () => ({ applyToStack: (_stack: Stack) => {} });
export const getEndpointDiscoveryPlugin = nothing;
export const getEndpointDiscoveryOptionalPlugin = nothing;
export const getEndpointDiscoveryRequiredPlugin = () => ({
  applyToStack: () => {
    throw new Error('endpoint discovery is not in this bundle');
  },
});
