/**
 * Who may use the field key: making and unwrapping tenants' data keys, never without a tenant in the
 * encryption context. The API's tenant sessions narrow that to their own tenant (tenant-access.ts).
 */
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { ENCRYPTION_CONTEXT_TENANT, FIELD_KEY_ACTIONS } from '../../functions/api/src/kms-key-wrapper.ts';

export function grantFieldKey(grantee: IGrantable, fieldKey: IKey): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'TenantDataKeys',
      actions: [...FIELD_KEY_ACTIONS],
      resources: [fieldKey.keyArn],
      conditions: { Null: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_TENANT}`]: 'false' } },
    }),
  );
}
