/**
 * Tenant isolation by IAM: the role the API assumes for each tenant's requests. Its own policy
 * already keeps it to tenant items (`T#…` leading keys, never the `PLATFORM#…` registry); the
 * session policy the API attaches when it assumes it (functions/api/src/tenant-access.ts) narrows
 * each session to one tenant's keys. So a handler bug that built another tenant's key meets
 * AccessDenied from DynamoDB, not another tenant's data.
 */
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ArnPrincipal, type IRole, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { TABLE_KEY_ACTIONS, TENANT_TABLE_ACTIONS } from '../../functions/api/src/tenant-access.ts';
import { grantFieldKey } from './field-key.ts';

export interface TenantIsolationProps {
  table: ITable;
  key: IKey;
  /** Wraps tenants' data keys: the role may use it, each session only under its tenant's context. */
  fieldKey: IKey;
  /** The API function: it alone may assume the role, and is told its ARN. */
  api: LambdaFunction;
}

export class TenantIsolation extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: TenantIsolationProps) {
    super(scope, id);
    const apiRole = props.api.role as IRole;
    this.role = new Role(this, 'TenantDataRole', {
      assumedBy: new ArnPrincipal(apiRole.roleArn),
      description: "Polku: a tenant's requests, narrowed to that tenant's items by the session policy",
      maxSessionDuration: Duration.hours(1),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'TenantItemsOnly',
        actions: [...TENANT_TABLE_ACTIONS],
        resources: [props.table.tableArn, `${props.table.tableArn}/index/*`],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*'] } },
      }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'TableKey',
        actions: [...TABLE_KEY_ACTIONS],
        resources: [props.key.keyArn],
      }),
    );
    grantFieldKey(this.role, props.fieldKey);
    this.role.grantAssumeRole(apiRole);
    props.api.addEnvironment('POLKU_TENANT_ROLE_ARN', this.role.roleArn);
    props.api.addEnvironment('POLKU_TABLE_ARN', props.table.tableArn);
    props.api.addEnvironment('POLKU_TABLE_KEY_ARN', props.key.keyArn);
    props.api.addEnvironment('POLKU_FIELD_KEY_ARN', props.fieldKey.keyArn);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "The table's indexes (…/index/*) hold tenant items under the same T#<tenant> leading keys, and " +
            'kms:GenerateDataKey* is limited to the one table key by its ARN; each session narrows both to one tenant.',
        },
      ],
      true,
    );
  }
}
