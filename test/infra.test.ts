/**
 * CDK assertions: every stage × region stack synthesizes, and its table is the one
 * @polku/table defines. The asset is bundled once and shared by all stacks of the app.
 */
import {
  addPolkuStacks,
  deploymentsFor,
  METRIC_SOURCE_FILTERS,
  type PolkuStack,
  type StageName,
  stackNameOf,
  stages,
  validateStages,
} from '@polku/infra';
import { attributes, createTableInput, stream } from '@polku/table';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';

const definition = createTableInput('any');
const stageConfig = (name: StageName) => stages.find((s) => s.name === name)!;

let app: App;
let stacks: PolkuStack[];
const templateOf = (stage: StageName, region = 'eu-north-1') =>
  Template.fromStack(stacks.find((s) => s.stackName === stackNameOf(stage, region))!);
const logicalId = (template: Template, type: string, prefix: string) => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0]!;
};
/** The actions of the policy attached to the role whose logical id starts with `rolePrefix`. */
const actionsOf = (template: Template, rolePrefix: string): string[] => {
  const [policy] = Object.values(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] },
    }),
  );
  const statements: { Action: string | string[] }[] = policy!.Properties.PolicyDocument.Statement;
  return statements.flatMap((statement) => statement.Action);
};

beforeAll(() => {
  app = new App();
  stacks = addPolkuStacks(app);
});

describe('the app', () => {
  it('synthesizes a stack for every configured stage and region', () => {
    const assembly = app.synth();
    const expected = stages.flatMap((s) => s.regions.map((r) => stackNameOf(s.name, r)));
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(expected.sort());
    expect(expected).toEqual(
      expect.arrayContaining(['Polku-prod-eu-north-1', 'Polku-prod-eu-west-1', 'Polku-staging-eu-north-1']),
    );
    for (const stack of assembly.stacks) {
      expect(stack.environment.region).toBe(stack.stackName.replace(/^Polku-[a-z]+-/, ''));
    }
  });

  it('narrows to one stack with -c stage=… -c region=…', () => {
    const narrowed = new App({
      context: { stage: 'staging', region: 'eu-north-1', 'aws:cdk:bundling-stacks': [] },
    });
    expect(addPolkuStacks(narrowed).map((s) => s.stackName)).toEqual(['Polku-staging-eu-north-1']);
    expect(deploymentsFor({ region: 'eu-west-1' }).map((d) => d.stackName)).toEqual(['Polku-prod-eu-west-1']);
  });

  it('refuses a stage or region that is not configured', () => {
    const appWith = (context: Record<string, string>) => () =>
      addPolkuStacks(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } }));
    expect(appWith({ stage: 'dev' })).toThrow(/Unknown stage "dev"; configured stages are: prod, staging/);
    expect(appWith({ stage: 'staging', region: 'eu-west-1' })).toThrow(
      /Unknown region "eu-west-1" for stage "staging"; configured regions are: eu-north-1/,
    );
    expect(appWith({ region: 'us-east-1' })).toThrow(/Unknown region "us-east-1" for any stage/);
  });

  it('rejects an invalid stage configuration', () => {
    const staging = stageConfig('staging');
    expect(() => validateStages([{ ...staging, regions: [] }])).toThrow(/stage "staging" has no regions/);
    expect(() => validateStages([{ ...staging, regions: ['eu-north'] }])).toThrow(
      /invalid region "eu-north"/,
    );
    expect(() => validateStages([staging, staging])).toThrow(/configured twice/);
  });
});

describe('the table', () => {
  it('has the keys and indexes @polku/table defines', () => {
    templateOf('prod').hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: definition.KeySchema,
      AttributeDefinitions: definition.AttributeDefinitions,
      GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes,
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: attributes.ttl, Enabled: true },
      StreamSpecification: { StreamViewType: stream.viewType },
    });
    expect(stream.viewType).toBe('NEW_AND_OLD_IMAGES');
  });

  it('is encrypted with a rotated customer-managed key and recoverable to a point in time', () => {
    const template = templateOf('prod');
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        Match.objectLike({
          Region: 'eu-north-1',
          SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  it('is retained and deletion-protected in prod, disposable in staging', () => {
    templateOf('prod').hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }),
    });
    templateOf('staging').hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
    });
  });
});

describe('the API', () => {
  it('runs the function on Node 22 arm64 with the table, secret and issuer in its environment', () => {
    const template = templateOf('staging');
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'polku/staging/platform',
      KmsKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 10,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          POLKU_TABLE_NAME: { Ref: Match.stringLikeRegexp('^Table') },
          POLKU_SECRETS_ARN: { Ref: Match.stringLikeRegexp('^PlatformSecret') },
          POLKU_ISSUER: Match.anyValue(),
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['dynamodb:PutItem']) }),
          Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']) }),
        ]),
      },
    });
  });

  it('proxies every request through a throttled, traced REST API stage with access logs', () => {
    for (const name of ['prod', 'staging'] as const) {
      const { rateLimit, burstLimit } = stageConfig(name).throttling;
      const template = templateOf(name);
      template.resourceCountIs('AWS::ApiGateway::Method', 2);
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: name,
        TracingEnabled: true,
        AccessLogSetting: {
          DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        },
        MethodSettings: [
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: rateLimit,
            ThrottlingBurstLimit: burstLimit,
          }),
        ],
      });
    }
  });

  it('outputs the API URL, the table name and the secret ARN', () => {
    const outputs = Object.keys(templateOf('prod', 'eu-west-1').findOutputs('*'));
    expect(outputs).toEqual(expect.arrayContaining(['ApiUrl', 'TableName', 'PlatformSecretArn']));
  });
});

describe('the webhook dispatcher', () => {
  it('runs on Node 22 arm64 with the table and the platform secret, long enough for one attempt per endpoint', () => {
    const template = templateOf('staging');
    const id = logicalId(template, 'AWS::Lambda::Function', 'WebhookDispatcherFunction');
    expect(template.findResources('AWS::Lambda::Function')[id]).toMatchObject({
      Properties: {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: 30,
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: {
            POLKU_TABLE_NAME: { Ref: expect.stringMatching(/^Table/) },
            POLKU_SECRETS_ARN: { Ref: expect.stringMatching(/^PlatformSecret/) },
          },
        },
      },
    });
  });

  it("consumes the table's stream, filtered to inserted domain events, failing records one by one", () => {
    for (const name of ['prod', 'staging'] as const) {
      const template = templateOf(name);
      const table = logicalId(template, 'AWS::DynamoDB::GlobalTable', 'Table');
      const queue = logicalId(template, 'AWS::SQS::Queue', 'WebhookDispatcherDeadLetterQueue');
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', 'WebhookDispatcherFunction') },
        EventSourceArn: { 'Fn::GetAtt': [table, 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { NewImage: { entity: { S: ['domain-event'] } } },
              }),
            },
          ],
        },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
      });
    }
  });

  it('has a retry sweeper that an EventBridge schedule runs every minute, with the table and the secret', () => {
    for (const name of ['prod', 'staging'] as const) {
      const template = templateOf(name);
      const sweeper = logicalId(template, 'AWS::Lambda::Function', 'WebhookDispatcherRetrySweeper');
      expect(template.findResources('AWS::Lambda::Function')[sweeper]).toMatchObject({
        Properties: {
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          Environment: {
            Variables: {
              POLKU_TABLE_NAME: { Ref: expect.stringMatching(/^Table/) },
              POLKU_SECRETS_ARN: { Ref: expect.stringMatching(/^PlatformSecret/) },
            },
          },
        },
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeper, 'Arn'] } })],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [sweeper, 'Arn'] },
      });
      const [policy] = Object.values(
        template.findResources('AWS::IAM::Policy', {
          Properties: {
            Roles: [{ Ref: Match.stringLikeRegexp('^WebhookDispatcherRetrySweeperServiceRole') }],
          },
        }),
      );
      const statements: { Action: string | string[] }[] = policy!.Properties.PolicyDocument.Statement;
      expect(statements.flatMap((statement) => statement.Action)).toEqual(
        expect.arrayContaining([
          'dynamodb:Query',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:DeleteItem',
          'secretsmanager:GetSecretValue',
        ]),
      );
    }
  });

  it('sends what it gives up on to an encrypted dead-letter queue, with an alarm on its depth', () => {
    const template = templateOf('prod');
    const queue = logicalId(template, 'AWS::SQS::Queue', 'WebhookDispatcherDeadLetterQueue');
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 1,
    });
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^WebhookDispatcherFunctionServiceRole') }] },
      }),
    );
    const statements: { Action: string | string[] }[] = policy!.Properties.PolicyDocument.Statement;
    const actions = statements.flatMap((statement) => statement.Action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:GetRecords',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'sqs:SendMessage',
        'secretsmanager:GetSecretValue',
      ]),
    );
  });
});

describe('the metrics projector', () => {
  /** Whether a stream record matches an event pattern of exact values (all the filters use). */
  const matches = (pattern: unknown, value: unknown): boolean =>
    Array.isArray(pattern)
      ? pattern.includes(value)
      : typeof pattern === 'object' &&
        pattern !== null &&
        typeof value === 'object' &&
        value !== null &&
        Object.entries(pattern).every(([key, inner]) =>
          matches(inner, (value as Record<string, unknown>)[key]),
        );
  const changeOf = (image: 'NewImage' | 'OldImage', entity: string) => ({
    eventName: image === 'NewImage' ? 'INSERT' : 'REMOVE',
    dynamodb: { [image]: { entity: { S: entity }, tenantId: { S: 't1' } } },
  });

  it('runs the projector and the jobs on Node 22 arm64 with the table and no platform secret', () => {
    const template = templateOf('staging');
    const functions = template.findResources('AWS::Lambda::Function');
    const common = {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          POLKU_TABLE_NAME: { Ref: expect.stringMatching(/^Table/) },
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    };
    const projector = functions[logicalId(template, 'AWS::Lambda::Function', 'MetricsProjector')]!;
    const jobs = functions[logicalId(template, 'AWS::Lambda::Function', 'MetricsJobs')]!;
    expect(projector).toMatchObject({ Properties: common });
    expect(jobs).toMatchObject({ Properties: { ...common, Timeout: 900, ReservedConcurrentExecutions: 1 } });
    for (const fn of [projector, jobs]) {
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('POLKU_SECRETS_ARN');
      expect(fn.Properties.Layers).toBeUndefined();
    }
  });

  it("consumes the table's stream, filtered to the entities metrics count, failing records one by one", () => {
    for (const name of ['prod', 'staging'] as const) {
      const template = templateOf(name);
      const queue = logicalId(template, 'AWS::SQS::Queue', 'MetricsDeadLetterQueue');
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', 'MetricsProjector') },
        EventSourceArn: {
          'Fn::GetAtt': [logicalId(template, 'AWS::DynamoDB::GlobalTable', 'Table'), 'StreamArn'],
        },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        FilterCriteria: {
          Filters: METRIC_SOURCE_FILTERS.map((pattern) => ({ Pattern: JSON.stringify(pattern) })),
        },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
      });
    }
  });

  it('is invoked for a change or removal of an outcome, never for its own ledger, bucket and follow-up writes', () => {
    const template = templateOf('prod');
    const [mapping] = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { FunctionName: { Ref: Match.stringLikeRegexp('^MetricsProjector') } },
      }),
    );
    const patterns: unknown[] = mapping!.Properties.FilterCriteria.Filters.map((f: { Pattern: string }) =>
      JSON.parse(f.Pattern),
    );
    expect(patterns).toHaveLength(2);
    const invokes = (record: unknown) => patterns.some((pattern) => matches(pattern, record));
    expect(invokes(changeOf('NewImage', 'outcome'))).toBe(true);
    expect(invokes(changeOf('OldImage', 'outcome'))).toBe(true);
    expect(invokes(changeOf('NewImage', 'programme'))).toBe(true);
    for (const entity of ['metrics-bucket', 'metrics-ledger', 'follow-up', 'domain-event', 'audit-event']) {
      expect(invokes(changeOf('NewImage', entity)), entity).toBe(false);
      expect(invokes(changeOf('OldImage', entity)), entity).toBe(false);
    }
  });

  it('runs due projections every 5 minutes and the reconciliation daily at 03:00 UTC', () => {
    for (const name of ['prod', 'staging'] as const) {
      const template = templateOf(name);
      const jobs = logicalId(template, 'AWS::Lambda::Function', 'MetricsJobs');
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [jobs, 'Arn'] }, Input: '{"job":"due"}' })],
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 3 * * ? *)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [jobs, 'Arn'] }, Input: '{"job":"reconcile"}' })],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [jobs, 'Arn'] },
      });
      expect(actionsOf(template, 'MetricsJobsServiceRole')).toEqual(
        expect.arrayContaining([
          'dynamodb:Query',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ]),
      );
    }
  });

  it('sends what it gives up on to an encrypted dead-letter queue, with an alarm on its depth', () => {
    const template = templateOf('prod');
    const queue = logicalId(template, 'AWS::SQS::Queue', 'MetricsDeadLetterQueue');
    expect(template.findResources('AWS::SQS::Queue')[queue]).toMatchObject({
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 1,
    });
    const actions = actionsOf(template, 'MetricsProjectorServiceRole');
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:GetRecords',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'sqs:SendMessage',
      ]),
    );
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
  });
});
