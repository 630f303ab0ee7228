/**
 * The webhook dispatcher: a function on the table's stream that sees only inserted domain events
 * (an event-source filter, so nothing else invokes it), reports failed records one by one, splits
 * a failing batch, and sends what still fails after its retries to a dead-letter queue. Beside it,
 * the retry sweeper, run every minute by an EventBridge schedule, makes the retries that fall due.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import {
  Architecture,
  FilterCriteria,
  FilterRule,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsVersions,
  StartingPosition,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionEntries, lambdaBundling, lambdaRuntime } from './bundling.ts';

export interface WebhookDispatcherProps {
  readonly table: TableV2;
  readonly platformSecret: ISecret;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The only stream records the dispatcher is invoked for. */
export const DOMAIN_EVENT_FILTER = {
  eventName: FilterRule.isEqual('INSERT'),
  dynamodb: { NewImage: { entity: { S: FilterRule.isEqual('domain-event') } } },
};

export class WebhookDispatcher extends Construct {
  readonly function: NodejsFunction;
  readonly retrySweeper: NodejsFunction;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: WebhookDispatcherProps) {
    super(scope, id);
    const { table, platformSecret, logRetention, removalPolicy } = props;

    // What lands here is a failed batch's shard and sequence numbers, not its records: read them
    // back from the stream within its 24 h retention.
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: functionEntries.webhookDispatcher,
      handler: 'handler',
      runtime: lambdaRuntime,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      // The slowest batch: one attempt of at most 5 s per endpoint, concurrently; retries are the sweeper's.
      timeout: Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      bundling: lambdaBundling,
      paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103),
      logGroup: new LogGroup(this, 'Logs', { retention: logRetention, removalPolicy }),
      environment: {
        POLKU_TABLE_NAME: table.tableName,
        POLKU_SECRETS_ARN: platformSecret.secretArn,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    // Reads endpoints (GSI1), writes attempts and retries.
    table.grantReadWriteData(this.function);
    platformSecret.grantRead(this.function);

    this.retrySweeper = new NodejsFunction(this, 'RetrySweeper', {
      entry: functionEntries.webhookRetrySweeper,
      handler: 'handler',
      runtime: lambdaRuntime,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      // Runs overlap safely (each retry is claimed before it is sent); a long backlog takes a few runs.
      timeout: Duration.minutes(2),
      tracing: Tracing.ACTIVE,
      bundling: lambdaBundling,
      paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103),
      logGroup: new LogGroup(this, 'RetrySweeperLogs', { retention: logRetention, removalPolicy }),
      environment: {
        POLKU_TABLE_NAME: table.tableName,
        POLKU_SECRETS_ARN: platformSecret.secretArn,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    // Queries the due index (GSI1), reads endpoints, writes attempts and retries.
    table.grantReadWriteData(this.retrySweeper);
    platformSecret.grantRead(this.retrySweeper);
    new Rule(this, 'RetrySchedule', {
      description: 'Makes the webhook retries that have fallen due',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.retrySweeper, { retryAttempts: 0 })],
    });

    this.function.addEventSource(
      new DynamoEventSource(table, {
        // Events written while the mapping is being created are not skipped.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        parallelizationFactor: 4,
        bisectBatchOnError: true,
        retryAttempts: 5,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [FilterCriteria.filter(DOMAIN_EVENT_FILTER)],
      }),
    );
  }
}
