import type { App } from 'aws-cdk-lib';
import { deploymentsFor } from '../config/stages.ts';
import { PolkuStack } from './polku-stack.ts';

/**
 * Adds a stack per configured stage × region to the app, or only those picked with
 * `-c stage=<stage>` and/or `-c region=<region>`.
 */
export function addPolkuStacks(app: App): PolkuStack[] {
  const context = (key: string): string | undefined => app.node.tryGetContext(key) ?? undefined;
  return deploymentsFor({ stage: context('stage'), region: context('region') }).map(
    (deployment) => new PolkuStack(app, deployment.stackName, { deployment }),
  );
}
