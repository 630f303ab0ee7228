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
  /** WAF: requests one source IP may make in any 5 minutes before it is blocked. */
  readonly wafRateLimitPer5Min: number;
  /** WAF: requests one access token (one API client of one tenant) may make in any 5 minutes. */
  readonly wafRateLimitPerTokenPer5Min: number;
  /** The API's p99 latency, in milliseconds, above which the latency alarm fires. */
  readonly p99LatencyMs: number;
  /** An address subscribed to the stage's alarm topic; confirm the subscription from its inbox. */
  readonly alarmEmail?: string;
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
/** What AWS WAF accepts as a rate-based rule's limit. */
const WAF_RATE_LIMIT = { min: 10, max: 2_000_000_000 };

export const stages: readonly StageConfig[] = validateStages([
  {
    name: 'prod',
    regions: ['eu-north-1', 'eu-west-1'],
    retainData: true,
    throttling: { rateLimit: 200, burstLimit: 400 },
    logRetention: RetentionDays.ONE_MONTH,
    wafRateLimitPer5Min: 2000,
    wafRateLimitPerTokenPer5Min: 1000,
    p99LatencyMs: 2000,
  },
  {
    name: 'staging',
    regions: ['eu-north-1'],
    retainData: false,
    throttling: { rateLimit: 20, burstLimit: 40 },
    logRetention: RetentionDays.ONE_WEEK,
    wafRateLimitPer5Min: 500,
    wafRateLimitPerTokenPer5Min: 300,
    p99LatencyMs: 2000,
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
    for (const key of ['wafRateLimitPer5Min', 'wafRateLimitPerTokenPer5Min'] as const) {
      const limit = stage[key];
      if (!Number.isInteger(limit) || limit < WAF_RATE_LIMIT.min || limit > WAF_RATE_LIMIT.max) {
        problems.push(`${at} needs an integer ${key} from ${WAF_RATE_LIMIT.min} to ${WAF_RATE_LIMIT.max}`);
      }
    }
    if (!(stage.p99LatencyMs > 0)) problems.push(`${at} needs a positive p99LatencyMs`);
    if (stage.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(stage.alarmEmail)) {
      problems.push(`${at} has an invalid alarmEmail "${stage.alarmEmail}"`);
    }
    if (stage.account !== undefined && !/^\d{12}$/.test(stage.account)) {
      problems.push(`${at} has an invalid account "${stage.account}"`);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid stage configuration:\n- ${problems.join('\n- ')}`);
  return configured;
}
