/**
 * Where Polku runs: every stage and the AWS regions it is deployed to, one stack per pair.
 * Validated when the module loads, so a typo fails `cdk synth` before anything is built.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export type StageName = 'prod' | 'staging';

export interface StageConfig {
  readonly name: StageName;
  /** Each region gets its own table, secret and API; tenants are pinned to one of them. */
  readonly regions: readonly string[];
  /** Keep data (table, key, secret, logs) when the stack or resource is deleted or replaced. */
  readonly retainData: boolean;
  /** API Gateway stage-wide limits: steady requests per second and burst bucket size. */
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  /** How long the function's and the API's access logs are kept. */
  readonly logRetention: RetentionDays;
  /** AWS account to deploy to; defaults to the CLI's account (CDK_DEFAULT_ACCOUNT). */
  readonly account?: string;
}

/** A stage in one region: what one `Polku-<stage>-<region>` stack deploys. */
export interface Deployment {
  readonly stage: StageConfig;
  readonly region: string;
  readonly stackName: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export const stages: readonly StageConfig[] = validateStages([
  {
    name: 'prod',
    regions: ['eu-north-1', 'eu-west-1'],
    retainData: true,
    throttling: { rateLimit: 200, burstLimit: 400 },
    logRetention: RetentionDays.ONE_MONTH,
  },
  {
    name: 'staging',
    regions: ['eu-north-1'],
    retainData: false,
    throttling: { rateLimit: 20, burstLimit: 40 },
    logRetention: RetentionDays.ONE_WEEK,
  },
]);

export const stackNameOf = (stage: StageName, region: string) => `Polku-${stage}-${region}`;

/**
 * The deployments to synthesize: all of them, or those of one stage and/or one region.
 * Throws on a stage or region that is not configured rather than synthesizing nothing.
 */
export function deploymentsFor(
  selection: { stage?: string; region?: string } = {},
  configured: readonly StageConfig[] = stages,
): Deployment[] {
  const { stage, region } = selection;
  const names = configured.map((s) => s.name);
  if (stage !== undefined && !names.includes(stage as StageName)) {
    throw new Error(`Unknown stage "${stage}"; configured stages are: ${names.join(', ')}`);
  }
  const chosen = configured.filter((s) => stage === undefined || s.name === stage);
  const deployments = chosen.flatMap((s) =>
    s.regions
      .filter((r) => region === undefined || r === region)
      .map((r) => ({ stage: s, region: r, stackName: stackNameOf(s.name, r) })),
  );
  if (deployments.length === 0) {
    const known = [...new Set(chosen.flatMap((s) => s.regions))];
    const where = stage === undefined ? 'any stage' : `stage "${stage}"`;
    throw new Error(`Unknown region "${region}" for ${where}; configured regions are: ${known.join(', ')}`);
  }
  return deployments;
}

export function validateStages(configured: readonly StageConfig[]): readonly StageConfig[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const stage of configured) {
    const at = `stage "${stage.name}"`;
    if (seen.has(stage.name)) problems.push(`${at} is configured twice`);
    seen.add(stage.name);
    if (stage.regions.length === 0) problems.push(`${at} has no regions`);
    if (new Set(stage.regions).size !== stage.regions.length) problems.push(`${at} lists a region twice`);
    for (const region of stage.regions) {
      if (!REGION.test(region)) problems.push(`${at} has an invalid region "${region}"`);
    }
    const { rateLimit, burstLimit } = stage.throttling;
    if (!(rateLimit > 0)) problems.push(`${at} needs a positive throttling rateLimit`);
    if (!Number.isInteger(burstLimit) || burstLimit < rateLimit) {
      problems.push(`${at} needs an integer throttling burstLimit of at least rateLimit`);
    }
    if (stage.account !== undefined && !/^\d{12}$/.test(stage.account)) {
      problems.push(`${at} has an invalid account "${stage.account}"`);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid stage configuration:\n- ${problems.join('\n- ')}`);
  return configured;
}
