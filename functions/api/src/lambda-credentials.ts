/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias in
 * infra/lib/bundling.ts). Lambda hands every function its role's credentials in the environment;
 * the rest of the SDK's default chain (profiles, SSO, web identity, containers, IMDS) never runs
 * there, and leaving it out keeps about 60 KB of clients out of every bundle.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
