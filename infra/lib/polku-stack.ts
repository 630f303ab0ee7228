/**
 * One stage in one region: the table, the platform secret, the API function and its REST API behind
 * a web ACL (the docs function serves the OpenAPI document), on the table's stream the webhook dispatcher and the metrics projector, and the alarms.
 * Tenants are pinned to a region, so stacks share nothing across regions.
 */
import { type CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  EndpointType,
  LambdaIntegration,
  LambdaRestApi,
  LogGroupLogDestination,
  MethodLoggingLevel,
} from 'aws-cdk-lib/aws-apigateway';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  Architecture,
  type IFunction,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsVersions,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { Deployment } from '../config/stages.ts';
import { Alarms } from './alarms.ts';
import { docsBundling, functionEntries, lambdaBundling, lambdaRuntime } from './bundling.ts';
import { MetricsProjector } from './metrics.ts';
import { polkuTable } from './table.ts';
import { TenantIsolation } from './tenant-isolation.ts';
import { ApiFirewall } from './waf.ts';
import { WebhookDispatcher } from './webhook-dispatcher.ts';

export interface PolkuStackProps extends StackProps {
  readonly deployment: Deployment;
}

export class PolkuStack extends Stack {
  constructor(scope: Construct, id: string, props: PolkuStackProps) {
    const { stage, region } = props.deployment;
    super(scope, id, {
      ...props,
      env: { account: stage.account ?? process.env.CDK_DEFAULT_ACCOUNT, region },
    });
    const removalPolicy = stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const dataKey = new Key(this, 'DataKey', {
      alias: `alias/polku/${stage.name}/data`,
      description: `Polku ${stage.name}: encrypts the table and the platform secret`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(stage.retainData ? 30 : 7),
    });

    // Wraps each tenant's data key for the sealed sensitive characteristics. A key of its own: reading
    // the table (or a backup or export of it) gives no use of this one.
    const fieldKey = new Key(this, 'FieldKey', {
      alias: `alias/polku/${stage.name}/fields`,
      description: `Polku ${stage.name}: wraps each tenant's data key for sealed fields`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(stage.retainData ? 30 : 7),
    });

    const table = polkuTable(this, 'Table', { encryptionKey: dataKey, retain: stage.retainData });

    // CloudFormation creates it with a random placeholder; an operator writes the JSON
    // { JWT signing keys (ES256 JWKs), cursor HMAC key, identity-code hash key } before first use.
    const platformSecret = new Secret(this, 'PlatformSecret', {
      secretName: `polku/${stage.name}/platform`,
      description: 'Polku platform keys: JWT signing JWKs, cursor HMAC key, identity-code hash key (JSON)',
      encryptionKey: dataKey,
      removalPolicy,
    });

    const api = new NodejsFunction(this, 'ApiFunction', {
      entry: functionEntries.api,
      handler: 'handler',
      runtime: lambdaRuntime,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      bundling: lambdaBundling,
      // The AWS extension serves the platform secret on localhost: no Secrets Manager SDK in the bundle.
      paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103),
      logGroup: new LogGroup(this, 'ApiFunctionLogs', { retention: stage.logRetention, removalPolicy }),
      environment: {
        POLKU_TABLE_NAME: table.tableName,
        POLKU_SECRETS_ARN: platformSecret.secretArn,
        // No --enable-source-maps: parsing the 2.7 MB map cost each cold start 70–160 ms. The
        // error log maps its stack from the map beside the bundle instead (stack-trace.ts).
      },
    });
    table.grantReadWriteData(api);
    platformSecret.grantRead(api);
    // Tenant requests use the table only through a role scoped to the caller's tenant.
    new TenantIsolation(this, 'TenantIsolation', { table, key: dataKey, fieldKey, api });

    const webhooks = new WebhookDispatcher(this, 'WebhookDispatcher', {
      table,
      platformSecret,
      logRetention: stage.logRetention,
      removalPolicy,
    });

    const metrics = new MetricsProjector(this, 'Metrics', {
      table,
      fieldKey,
      logRetention: stage.logRetention,
      removalPolicy,
    });

    // The OpenAPI document (generated at build time) and the docs page: public, static, and kept
    // out of the API function so that neither carries the document or its generator.
    const docs = new NodejsFunction(this, 'DocsFunction', {
      entry: functionEntries.docs,
      handler: 'handler',
      runtime: lambdaRuntime,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(5),
      tracing: Tracing.ACTIVE,
      bundling: docsBundling,
      logGroup: new LogGroup(this, 'DocsFunctionLogs', { retention: stage.logRetention, removalPolicy }),
    });

    const apiStageName = stage.name;
    const restApi = new LambdaRestApi(this, 'Api', {
      restApiName: `polku-${stage.name}`,
      handler: api,
      // Every path goes to the API function (the proxies below) except the docs routes.
      proxy: false,
      endpointTypes: [EndpointType.REGIONAL],
      // Access logging needs the account's API Gateway CloudWatch role; set it whatever the feature flags say.
      cloudWatchRole: true,
      deployOptions: {
        stageName: apiStageName,
        accessLogDestination: new LogGroupLogDestination(
          new LogGroup(this, 'ApiAccessLogs', { retention: stage.logRetention, removalPolicy }),
        ),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
        metricsEnabled: true,
        // Execution logs of failures only: request bodies carry personal data, so no data trace.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: stage.throttling.rateLimit,
        throttlingBurstLimit: stage.throttling.burstLimit,
      },
    });

    restApi.root.addMethod('ANY');
    restApi.root.addProxy({ anyMethod: true });
    const v1 = restApi.root.addResource('v1');
    v1.addMethod('ANY');
    v1.addProxy({ anyMethod: true });
    // GET and HEAD of the docs paths (the document, the page and the files it loads) go to the docs
    // function; any other method to the API, which answers them with a problem document (API
    // Gateway's own answer would be a bare 403).
    const docsIntegration = new LambdaIntegration(docs);
    const page = restApi.root.addResource('docs');
    for (const resource of [v1.addResource('openapi.json'), page, page.addResource('{file}')]) {
      resource.addMethod('GET', docsIntegration);
      resource.addMethod('HEAD', docsIntegration);
      resource.addMethod('ANY');
    }

    // Built from the API's id, not `restApi.url`: the URL references the deployment stage, which
    // depends on the function, so the function could not also depend on it.
    const issuer = `https://${restApi.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${apiStageName}`;
    api.addEnvironment('POLKU_ISSUER', issuer);

    new ApiFirewall(this, 'Firewall', {
      stageName: stage.name,
      apiStage: restApi.deploymentStage,
      ratePerAddress: stage.wafRateLimitPer5Min,
      ratePerToken: stage.wafRateLimitPerTokenPer5Min,
    });

    const alarms = new Alarms(this, 'Alarms', {
      stageName: stage.name,
      api: restApi,
      p99LatencyMs: stage.p99LatencyMs,
      functions: {
        api,
        'webhook-dispatcher': webhooks.function,
        'webhook-retry-sweeper': webhooks.retrySweeper,
        'metrics-projector': metrics.function,
        'metrics-jobs': metrics.jobs,
        docs,
      },
      // Its reserved concurrency of 1 throttles the 5-minute run while the daily reconciliation runs.
      throttledByDesign: [metrics.jobs],
      deadLetterQueues: {
        'webhook-dispatcher': {
          queue: webhooks.deadLetterQueue,
          holds: 'Webhook events the dispatcher gave up on',
        },
        'metrics-projector': {
          queue: metrics.deadLetterQueue,
          holds: 'Metric changes the projector gave up on',
        },
      },
      table,
      email: stage.alarmEmail,
    });

    acceptNagFindings({
      table,
      platformSecret,
      restApi,
      functions: [api, docs, webhooks.function, webhooks.retrySweeper, metrics.function, metrics.jobs],
      deadLetterQueues: [webhooks.deadLetterQueue, metrics.deadLetterQueue],
    });

    // LambdaRestApi's own URL output has a hashed logical id; `ApiUrl` below replaces it.
    restApi.node.tryRemoveChild('Endpoint');

    new CfnOutput(this, 'ApiUrl', { value: restApi.url });
    new CfnOutput(this, 'Issuer', { value: issuer });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'PlatformSecretArn', { value: platformSecret.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
  }
}

/**
 * The cdk-nag AwsSolutions findings Polku accepts, each on the resource it concerns, with why.
 * The infra tests fail on any finding not accepted here.
 */
function acceptNagFindings(resources: {
  table: TableV2;
  platformSecret: ISecret;
  restApi: LambdaRestApi;
  functions: readonly IFunction[];
  deadLetterQueues: readonly IQueue[];
}) {
  const { table, platformSecret, restApi, functions, deadLetterQueues } = resources;
  const tableId = Stack.of(table).getLogicalId(table.node.defaultChild as CfnElement);

  NagSuppressions.addResourceSuppressions(
    [...functions],
    [
      {
        id: 'AwsSolutions-IAM4',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        reason:
          'AWSLambdaBasicExecutionRole grants only logs:CreateLogGroup, CreateLogStream and PutLogEvents, which ' +
          'the function needs to write its own logs; it reads nothing, and AWS keeps it current.',
      },
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: [`Resource::<${tableId}.Arn>/index/*`],
        reason:
          "The functions query the table's global secondary indexes (GSI1: due items, webhook endpoints); " +
          'the wildcard covers only the indexes of this one table, which @polku/table defines.',
      },
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
        reason:
          "CDK's grant for reading and writing the table's encrypted items; the actions are limited to the one " +
          'data key that encrypts this stack, by its ARN.',
      },
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: ['Resource::*'],
        reason:
          'Only xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing), which support no ' +
          'resource-level permissions.',
      },
    ],
    true,
  );

  NagSuppressions.addResourceSuppressions(
    [...deadLetterQueues],
    [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This is a dead-letter queue: the on-failure destination of a stream event source mapping, which ' +
          'cdk-nag does not recognise (it knows only redrive policies). Only an operator reads it.',
      },
    ],
  );

  NagSuppressions.addResourceSuppressions(platformSecret, [
    {
      id: 'AwsSolutions-SMG4',
      reason:
        'An operator rotates the signing key in three steps with waits between them (docs/operators.md, "Rotating the ' +
        'signing key") so no instance meets an unknown kid; identityCodeKey must never change. A rotation ' +
        'Lambda could do neither.',
    },
  ]);

  NagSuppressions.addResourceSuppressions(
    restApi,
    [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Every route validates its parameters and body with its zod schema in the function, the same schema ' +
          'that feeds the OpenAPI document; the proxy method has no model, so a gateway validator would check nothing.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason:
          "The function authenticates every request with Polku's own ES256 access tokens (issued by its token " +
          'endpoint, or from staff sign-on) and authorizes it by role per route; signup, token and JWKS are public by design.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          "API clients authenticate with client credentials at Polku's token endpoint and staff through their " +
          "organisation's identity provider; there is no Cognito user pool, and tokens are verified in the function.",
      },
      {
        id: 'AwsSolutions-IAM4',
        appliesTo: [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
        ],
        reason:
          "API Gateway's account-wide role for writing access and execution logs; this managed policy is the " +
          'one AWS documents for it and grants only CloudWatch Logs writes.',
      },
    ],
    true,
  );
}
