/**
 * The metrics projector: a function on the table's stream that sees only changes of the entities
 * metrics count (an event-source filter, so its own ledger, bucket and follow-up writes never invoke
 * it), and a jobs function that EventBridge runs every 5 minutes (due projections) and daily (the
 * reconciliation), one run at a time.
 */
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, FilterCriteria, FilterRule, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_SOURCE_ENTITIES } from '../../functions/api/src/metrics/stream.ts';
import { lambdaBundling, lambdaRuntime } from './bundling.ts';
import { grantFieldKey } from './field-key.ts';

/** The metrics handlers: name → entry file exporting `handler` (bundled like `functionEntries`). */
export const metricsFunctionEntries = {
  metricsProjector: fileURLToPath(new URL('../../functions/api/src/metrics-lambda.ts', import.meta.url)),
  metricsJobs: fileURLToPath(new URL('../../functions/api/src/metrics-job-lambda.ts', import.meta.url)),
} as const;

const isMetricSource = { S: FilterRule.or(...METRIC_SOURCE_ENTITIES) };

/**
 * The only stream records the projector is invoked for: either image is of a counted entity (a
 * removal has only the old one). Lambda invokes for a record that matches any pattern.
 */
export const METRIC_SOURCE_FILTERS = [
  { dynamodb: { NewImage: { entity: isMetricSource } } },
  { dynamodb: { OldImage: { entity: isMetricSource } } },
];

export interface MetricsProjectorProps {
  readonly table: TableV2;
  /** Wraps tenants' data keys: the counts open the sealed characteristics. */
  readonly fieldKey: IKey;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export class MetricsProjector extends Construct {
  readonly function: NodejsFunction;
  readonly jobs: NodejsFunction;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: MetricsProjectorProps) {
    super(scope, id);
    const { table, fieldKey, logRetention, removalPolicy } = props;
    const environment = {
      POLKU_TABLE_NAME: table.tableName,
      POLKU_FIELD_KEY_ARN: fieldKey.keyArn,
      NODE_OPTIONS: '--enable-source-maps',
    };

    // What lands here is a failed batch's shard and sequence numbers, not its records: read them
    // back from the stream within its 24 h retention. The daily reconciliation reports what was missed.
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });

    this.function = new NodejsFunction(this, 'Projector', {
      entry: metricsFunctionEntries.metricsProjector,
      handler: 'handler',
      runtime: lambdaRuntime,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      // A programme moved to another funding project recounts everyone enrolled in it in one batch.
      timeout: Duration.minutes(5),
      tracing: Tracing.ACTIVE,
      bundling: lambdaBundling,
      logGroup: new LogGroup(this, 'ProjectorLogs', { retention: logRetention, removalPolicy }),
      environment,
    });
    // Reads the raw records, writes ledgers, buckets and follow-ups; the event source adds stream read.
    table.grantReadWriteData(this.function);
    grantFieldKey(this.function, fieldKey);
    this.function.addEventSource(
      new DynamoEventSource(table, {
        // Changes written while the mapping is being created are not skipped.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        // Projections of one participant may run concurrently: the ledger's condition serialises them.
        parallelizationFactor: 4,
        bisectBatchOnError: true,
        retryAttempts: 5,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: METRIC_SOURCE_FILTERS.map((pattern) => FilterCriteria.filter(pattern)),
      }),
    );

    this.jobs = new NodejsFunction(this, 'Jobs', {
      entry: metricsFunctionEntries.metricsJobs,
      handler: 'handler',
      runtime: lambdaRuntime,
      architecture: Architecture.ARM_64,
      // The reconciliation holds a whole tenant's participant facts in memory.
      memorySize: 1024,
      timeout: Duration.minutes(15),
      // One run at a time: a due run waits while the reconciliation runs, and never overlaps another.
      reservedConcurrentExecutions: 1,
      // The next scheduled run is the retry.
      retryAttempts: 0,
      tracing: Tracing.ACTIVE,
      bundling: lambdaBundling,
      logGroup: new LogGroup(this, 'JobsLogs', { retention: logRetention, removalPolicy }),
      environment,
    });
    // Queries the due index (GSI1) and every tenant's records, writes ledgers, buckets and follow-ups,
    // and (retention) erases people: deletes their records.
    table.grantReadWriteData(this.jobs);
    grantFieldKey(this.jobs, fieldKey);
    new Rule(this, 'DueSchedule', {
      description: 'Projects the participants whose metrics change by time',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [
        new LambdaFunction(this.jobs, {
          event: RuleTargetInput.fromObject({ job: 'due' }),
          retryAttempts: 0,
        }),
      ],
    });
    new Rule(this, 'RetentionSchedule', {
      description: "Erases the people whose tenant's retention period has run out",
      schedule: Schedule.cron({ minute: '30', hour: '2' }),
      targets: [
        new LambdaFunction(this.jobs, {
          event: RuleTargetInput.fromObject({ job: 'retention' }),
          retryAttempts: 0,
        }),
      ],
    });
    new Rule(this, 'ReconcileSchedule', {
      description: 'Recounts the metrics of every tenant from the raw records and logs any difference',
      schedule: Schedule.cron({ minute: '0', hour: '3' }),
      targets: [
        new LambdaFunction(this.jobs, {
          event: RuleTargetInput.fromObject({ job: 'reconcile' }),
          retryAttempts: 0,
        }),
      ],
    });
  }
}
