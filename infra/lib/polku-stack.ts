/**
 * One stage in one region: the table, the platform secret, the API function and its REST API, and
 * on the table's stream the webhook dispatcher and the metrics projector.
 * Tenants are pinned to a region, so stacks share nothing across regions.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  EndpointType,
  LambdaRestApi,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigateway';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  Architecture,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsVersions,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { Deployment } from '../config/stages.ts';
import { functionEntries, lambdaBundling } from './bundling.ts';
import { MetricsProjector } from './metrics.ts';
import { polkuTable } from './table.ts';
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
      runtime: Runtime.NODEJS_22_X,
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
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    table.grantReadWriteData(api);
    platformSecret.grantRead(api);

    new WebhookDispatcher(this, 'WebhookDispatcher', {
      table,
      platformSecret,
      logRetention: stage.logRetention,
      removalPolicy,
    });

    new MetricsProjector(this, 'Metrics', { table, logRetention: stage.logRetention, removalPolicy });

    const apiStageName = stage.name;
    const restApi = new LambdaRestApi(this, 'Api', {
      restApiName: `polku-${stage.name}`,
      handler: api,
      proxy: true,
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
        throttlingRateLimit: stage.throttling.rateLimit,
        throttlingBurstLimit: stage.throttling.burstLimit,
      },
    });

    // Built from the API's id, not `restApi.url`: the URL references the deployment stage, which
    // depends on the function, so the function could not also depend on it.
    const issuer = `https://${restApi.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${apiStageName}`;
    api.addEnvironment('POLKU_ISSUER', issuer);

    // LambdaRestApi's own URL output has a hashed logical id; `ApiUrl` below replaces it.
    restApi.node.tryRemoveChild('Endpoint');

    new CfnOutput(this, 'ApiUrl', { value: restApi.url });
    new CfnOutput(this, 'Issuer', { value: issuer });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'PlatformSecretArn', { value: platformSecret.secretArn });
  }
}
