/**
 * CDK assertions: every stage × region stack synthesizes, passes cdk-nag's AwsSolutions checks, and
 * its table is the one @polku/table defines. The asset is bundled once and shared by all stacks of the app.
 */
import {
  addPolkuStacks,
  deploymentsFor,
  esbuildOptions,
  lambdaBundling,
  METRIC_SOURCE_FILTERS,
  PolkuStack,
  type StageName,
  stackNameOf,
  stages,
  validateStages,
} from '@polku/infra';
import { attributes, createTableInput, stream } from '@polku/table';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
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
  for (const stack of stacks) Aspects.of(stack).add(new AwsSolutionsChecks());
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
    // Bundles every function of every stack with esbuild: about 30 s on a busy 2-core machine.
  }, 180_000);

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

  it("passes cdk-nag's AwsSolutions checks in every stack, with each accepted finding suppressed on its resource", () => {
    const nag = Match.stringLikeRegexp('AwsSolutions-.*');
    for (const stack of stacks) {
      const annotations = Annotations.fromStack(stack);
      const findings = [...annotations.findError('*', nag), ...annotations.findWarning('*', nag)];
      expect(
        findings.map((finding) => `${finding.id}: ${finding.entry.data}`),
        stack.stackName,
      ).toEqual([]);
    }
    const metadata = templateOf('prod').toJSON().Metadata as { cdk_nag?: unknown } | undefined;
    expect(metadata?.cdk_nag, 'no stack-wide suppressions').toBeUndefined();
  });

  it('runs every function of every stack on Node 24, the Node its bundle is built for', () => {
    for (const stack of stacks) {
      const functions = Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
      expect(functions.length, stack.stackName).toBeGreaterThan(0);
      const others = functions.filter(([, f]) => f.Properties.Runtime !== 'nodejs24.x');
      expect(
        others.map(([id, f]) => `${id}: ${f.Properties.Runtime}`),
        stack.stackName,
      ).toEqual([]);
    }
    expect([lambdaBundling.target, esbuildOptions.target]).toEqual(['node24', 'node24']);
  });

  it('rejects an invalid stage configuration', () => {
    const staging = stageConfig('staging');
    expect(() => validateStages([{ ...staging, regions: [] }])).toThrow(/stage "staging" has no regions/);
    expect(() => validateStages([{ ...staging, regions: ['eu-north'] }])).toThrow(
      /invalid region "eu-north"/,
    );
    expect(() => validateStages([staging, staging])).toThrow(/configured twice/);
    expect(() => validateStages([{ ...staging, wafRateLimitPerTokenPer5Min: 5 }])).toThrow(
      /integer wafRateLimitPerTokenPer5Min from 10/,
    );
    expect(() => validateStages([{ ...staging, alarmEmail: 'ops' }])).toThrow(/invalid alarmEmail "ops"/);
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
    const keyId = logicalId(template, 'AWS::KMS::Key', 'DataKey');
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
  it('runs the function on arm64 with the table, secret and issuer in its environment', () => {
    const template = templateOf('staging');
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'polku/staging/platform',
      KmsKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
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
          // Maps are read when an error is logged, not parsed at every cold start.
          NODE_OPTIONS: Match.absent(),
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

  it('sends every request to the API function but GET and HEAD of the OpenAPI document, the docs page and its files', () => {
    const template = templateOf('prod');
    const resources = template.findResources('AWS::ApiGateway::Resource');
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      if (!id) return ''; // the API's root resource
      const { PathPart, ParentId } = resources[id]!.Properties as { PathPart: string; ParentId: unknown };
      return `${pathOf(ParentId)}/${PathPart}`;
    };
    const functionOf = (integration: { Uri: unknown }) =>
      JSON.stringify(integration.Uri).match(/"(ApiFunction|DocsFunction)[0-9A-F]{8}"/)?.[1];
    const routes = Object.values(template.findResources('AWS::ApiGateway::Method')).map(({ Properties }) => [
      `${Properties.HttpMethod} ${pathOf(Properties.ResourceId) || '/'}`,
      functionOf(Properties.Integration),
    ]);
    expect(Object.fromEntries(routes)).toEqual({
      'ANY /': 'ApiFunction',
      'ANY /{proxy+}': 'ApiFunction',
      'ANY /v1': 'ApiFunction',
      'ANY /v1/{proxy+}': 'ApiFunction',
      'GET /v1/openapi.json': 'DocsFunction',
      'HEAD /v1/openapi.json': 'DocsFunction',
      'ANY /v1/openapi.json': 'ApiFunction',
      'GET /docs': 'DocsFunction',
      'HEAD /docs': 'DocsFunction',
      'ANY /docs': 'ApiFunction',
      'GET /docs/{file}': 'DocsFunction',
      'HEAD /docs/{file}': 'DocsFunction',
      'ANY /docs/{file}': 'ApiFunction',
    });
    expect(routes).toHaveLength(13);
  });

  it('outputs the API URL, the table name and the secret ARN', () => {
    const outputs = Object.keys(templateOf('prod', 'eu-west-1').findOutputs('*'));
    expect(outputs).toEqual(expect.arrayContaining(['ApiUrl', 'TableName', 'PlatformSecretArn']));
  });
});

describe('the webhook dispatcher', () => {
  it('runs on arm64 with the table and the platform secret, long enough for one attempt per endpoint', () => {
    const template = templateOf('staging');
    const id = logicalId(template, 'AWS::Lambda::Function', 'WebhookDispatcherFunction');
    expect(template.findResources('AWS::Lambda::Function')[id]).toMatchObject({
      Properties: {
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

  it('runs the projector and the jobs on arm64 with the table and no platform secret', () => {
    const template = templateOf('staging');
    const functions = template.findResources('AWS::Lambda::Function');
    const common = {
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

  it('runs due projections every 5 minutes, retention nightly at 02:30 and the reconciliation at 03:00 UTC', () => {
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
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(30 2 * * ? *)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [jobs, 'Arn'] }, Input: '{"job":"retention"}' })],
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

describe('the web ACL', () => {
  it('guards the API stage: per-address and per-token rate limits from the stage config, then AWS managed rules', () => {
    for (const name of ['prod', 'staging'] as const) {
      const { wafRateLimitPer5Min, wafRateLimitPerTokenPer5Min } = stageConfig(name);
      const template = templateOf(name);
      const webAcl = logicalId(template, 'AWS::WAFv2::WebACL', 'FirewallWebAcl');
      const visibility = (metricName: string) => ({
        CloudWatchMetricsEnabled: true,
        MetricName: metricName,
        SampledRequestsEnabled: true,
      });
      const rateLimited = { Block: { CustomResponse: Match.objectLike({ ResponseCode: 429 }) } };
      template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Name: `polku-${name}-api`,
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        VisibilityConfig: visibility(`polku-${name}-api`),
        Rules: [
          {
            Name: 'RatePerAddress',
            Priority: 0,
            Action: rateLimited,
            Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: wafRateLimitPer5Min } },
            VisibilityConfig: visibility('RatePerAddress'),
          },
          {
            Name: 'RatePerToken',
            Priority: 1,
            Action: rateLimited,
            Statement: {
              RateBasedStatement: {
                AggregateKeyType: 'CUSTOM_KEYS',
                CustomKeys: [
                  { Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
                ],
                Limit: wafRateLimitPerTokenPer5Min,
              },
            },
            VisibilityConfig: visibility('RatePerToken'),
          },
          {
            Name: 'AWSManagedRulesKnownBadInputsRuleSet',
            Priority: 2,
            OverrideAction: { None: {} },
            Statement: {
              ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
            },
            VisibilityConfig: visibility('AWSManagedRulesKnownBadInputsRuleSet'),
          },
          {
            Name: 'AWSManagedRulesCommonRuleSet',
            Priority: 3,
            OverrideAction: { None: {} },
            Statement: {
              ManagedRuleGroupStatement: {
                VendorName: 'AWS',
                Name: 'AWSManagedRulesCommonRuleSet',
                RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
              },
            },
            VisibilityConfig: visibility('AWSManagedRulesCommonRuleSet'),
          },
        ],
      });
      const stage = logicalId(template, 'AWS::ApiGateway::Stage', 'ApiDeploymentStage');
      const api = logicalId(template, 'AWS::ApiGateway::RestApi', 'Api');
      template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        WebACLArn: { 'Fn::GetAtt': [webAcl, 'Arn'] },
        ResourceArn: {
          'Fn::Join': [
            '',
            Match.arrayWith([
              Match.stringLikeRegexp(':apigateway:eu-north-1::/restapis/$'),
              { Ref: api },
              '/stages/',
              { Ref: stage },
            ]),
          ],
        },
      });
    }
  });

  it("answers a rate-limited request with the API's 429 problem", () => {
    const [webAcl] = Object.values(templateOf('prod').findResources('AWS::WAFv2::WebACL'));
    const bodies: Record<string, { ContentType: string; Content: string }> =
      webAcl!.Properties.CustomResponseBodies;
    const key = webAcl!.Properties.Rules[0].Action.Block.CustomResponse.CustomResponseBodyKey;
    expect(bodies[key]!.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(bodies[key]!.Content)).toMatchObject({
      type: 'https://polku.fi/problems/too-many-requests',
      status: 429,
    });
  });
});

describe('the alarms', () => {
  const functionPrefixes = {
    api: 'ApiFunction',
    'webhook-dispatcher': 'WebhookDispatcherFunction',
    'webhook-retry-sweeper': 'WebhookDispatcherRetrySweeper',
    'metrics-projector': 'MetricsProjector',
    'metrics-jobs': 'MetricsJobs',
    docs: 'DocsFunction',
  } as const;
  const onTopic = (template: Template) => {
    const topic = logicalId(template, 'AWS::SNS::Topic', 'AlarmsAlarmTopic');
    return { AlarmActions: [{ Ref: topic }], OKActions: [{ Ref: topic }] };
  };

  it('notify one TLS-only SNS topic, output as AlarmTopicArn, and every alarm notifies it', () => {
    const template = templateOf('prod');
    const topic = logicalId(template, 'AWS::SNS::Topic', 'AlarmsAlarmTopic');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topic } });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(14);
    for (const alarm of alarms) expect(alarm.Properties).toMatchObject(onTopic(template));
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it("fire on the API's 5XX rate over 1% and on its p99 latency over the stage's threshold", () => {
    for (const name of ['prod', 'staging'] as const) {
      const template = templateOf(name);
      const api = { Name: 'ApiName', Value: `polku-${name}` };
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...onTopic(template),
        AlarmName: `polku-${name}-api-5xx-rate`,
        Namespace: 'AWS/ApiGateway',
        MetricName: '5XXError',
        Dimensions: [api],
        Statistic: 'Average',
        Period: 300,
        Threshold: 0.01,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...onTopic(template),
        AlarmName: `polku-${name}-api-latency-p99`,
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        Dimensions: [api],
        ExtendedStatistic: 'p99',
        Threshold: stageConfig(name).p99LatencyMs,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('fire on any error of every function, and on any throttle of every function but the one-at-a-time jobs', () => {
    const template = templateOf('prod');
    const alarmsOn = (metricName: string, fn: string) =>
      Object.keys(
        template.findResources('AWS::CloudWatch::Alarm', {
          Properties: {
            ...onTopic(template),
            Namespace: 'AWS/Lambda',
            MetricName: metricName,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
            Statistic: 'Sum',
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          },
        }),
      );
    for (const [name, prefix] of Object.entries(functionPrefixes)) {
      const fn = logicalId(template, 'AWS::Lambda::Function', prefix);
      expect(alarmsOn('Errors', fn), `${name} errors`).toHaveLength(1);
      expect(alarmsOn('Throttles', fn), `${name} throttles`).toHaveLength(name === 'metrics-jobs' ? 0 : 1);
    }
  });

  it('fire on a message in either dead-letter queue', () => {
    const template = templateOf('staging');
    for (const prefix of ['WebhookDispatcherDeadLetterQueue', 'MetricsDeadLetterQueue']) {
      const queue = logicalId(template, 'AWS::SQS::Queue', prefix);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...onTopic(template),
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
      });
    }
  });

  it('fire on any throttled request to the table, summed over the operations Polku calls', () => {
    const template = templateOf('prod');
    const table = logicalId(template, 'AWS::DynamoDB::GlobalTable', 'Table');
    const [alarm] = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmName: 'polku-prod-table-throttles' },
      }),
    );
    expect(alarm!.Properties).toMatchObject({ ...onTopic(template), Threshold: 1 });
    const queries: { Id: string; Expression?: string; MetricStat?: { Metric: Record<string, unknown> } }[] =
      alarm!.Properties.Metrics;
    const [sum, ...operations] = queries;
    expect(operations.map((q) => q.MetricStat!.Metric)).toEqual(
      operations.map(() =>
        expect.objectContaining({
          Namespace: 'AWS/DynamoDB',
          MetricName: 'ThrottledRequests',
          Dimensions: expect.arrayContaining([{ Name: 'TableName', Value: { Ref: table } }]),
        }),
      ),
    );
    expect(operations.length).toBeLessThanOrEqual(10);
    expect(sum!.Expression).toBe(operations.map((q) => `FILL(${q.Id}, 0)`).join(' + '));
  });

  it("subscribe the stage's alarm email when it has one", () => {
    const narrowed = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stage = { ...stageConfig('staging'), alarmEmail: 'ops@example.fi' };
    const stack = new PolkuStack(narrowed, 'WithEmail', {
      deployment: { stage, region: 'eu-north-1', stackName: 'WithEmail' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.fi',
      TopicArn: { Ref: Match.stringLikeRegexp('^AlarmsAlarmTopic') },
    });
  });
});

describe('tenant isolation by IAM', () => {
  it('gives the API a role only it may assume, kept to tenant items, whose ARN it is told', () => {
    const template = templateOf('prod');
    const roleId = logicalId(template, 'AWS::IAM::Role', 'TenantIsolationTenantDataRole');
    const apiRoleId = logicalId(template, 'AWS::IAM::Role', 'ApiFunctionServiceRole');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRole',
            Principal: { AWS: { 'Fn::GetAtt': [apiRoleId, 'Arn'] } },
          }),
        ],
      },
      MaxSessionDuration: 3600,
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'TenantItemsOnly',
            Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*'] } },
            Action: Match.arrayWith(['dynamodb:Query', 'dynamodb:PutItem']),
          }),
        ]),
      },
    });
    expect(actionsOf(template, 'ApiFunctionServiceRole')).toContain('sts:AssumeRole');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POLKU_TENANT_ROLE_ARN: { 'Fn::GetAtt': [roleId, 'Arn'] },
          POLKU_TABLE_ARN: Match.anyValue(),
          POLKU_TABLE_KEY_ARN: Match.anyValue(),
        }),
      },
    });
  });
});

describe('the field key', () => {
  /** The roles whose policies name the field key, by the role's logical id. */
  const rolesUsing = (template: Template, keyId: string) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(`"${keyId}"`))
      .flatMap((policy) => policy.Properties.Roles.map((role: { Ref: string }) => role.Ref))
      .sort();

  it("is a rotated key of the stack's own, apart from the table's, named by an alias per stage", () => {
    const template = templateOf('prod');
    const keyId = logicalId(template, 'AWS::KMS::Key', 'FieldKey');
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true, PendingWindowInDays: 30 }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/polku/prod/fields',
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(keyId).not.toBe(logicalId(template, 'AWS::KMS::Key', 'DataKey'));
    templateOf('staging').hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/polku/staging/fields',
    });
  });

  it('is used by the tenant role, the metrics projector and the jobs alone, and only with a tenant as the context', () => {
    const template = templateOf('prod');
    const keyId = logicalId(template, 'AWS::KMS::Key', 'FieldKey');
    const roles = rolesUsing(template, keyId);
    expect(roles).toHaveLength(3);
    for (const prefix of [
      'TenantIsolationTenantDataRole',
      'MetricsProjectorServiceRole',
      'MetricsJobsServiceRole',
    ]) {
      expect(
        roles.filter((role) => role.startsWith(prefix)),
        prefix,
      ).toHaveLength(1);
    }
    for (const role of roles) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: role }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'TenantDataKeys',
              Effect: 'Allow',
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
              Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
              Condition: { Null: { 'kms:EncryptionContext:tenant': 'false' } },
            },
          ]),
        },
      });
    }
    // The API function's own role (signup, tokens, operators) has no use of it: tenant requests reach
    // it only through the tenant role, whose sessions narrow it to their own tenant's context.
    expect(roles.some((role) => role.startsWith('ApiFunctionServiceRole'))).toBe(false);
  });

  it('is named to the functions that use it, in POLKU_FIELD_KEY_ARN', () => {
    const template = templateOf('staging');
    const keyId = logicalId(template, 'AWS::KMS::Key', 'FieldKey');
    const functions = template.findResources('AWS::Lambda::Function');
    const told = Object.entries(functions)
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.POLKU_FIELD_KEY_ARN)
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
      .sort();
    expect(told).toEqual(['ApiFunction', 'MetricsJobs', 'MetricsProjector']);
    for (const [, fn] of Object.entries(functions).filter(
      ([, fn]) => fn.Properties.Environment?.Variables?.POLKU_FIELD_KEY_ARN,
    )) {
      expect(fn.Properties.Environment.Variables.POLKU_FIELD_KEY_ARN).toEqual({
        'Fn::GetAtt': [keyId, 'Arn'],
      });
    }
  });
});
