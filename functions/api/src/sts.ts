/**
 * STS's AssumeRole, the one STS call Polku makes (a tenant's scoped credentials), as a signed
 * form POST (aws-request.ts) whose XML answer holds four values.
 */
import { AwsServiceError, type AwsServiceSettings, awsPost } from './aws-request.ts';

export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  /** An inline session policy (JSON): the session may do only what both it and the role allow. */
  policy: string;
  durationSeconds: number;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export type AssumeRole = (input: AssumeRoleInput) => Promise<IssuedCredentials>;

const VERSION = '2011-06-15';

/** The text of the first `<name>` element (STS's answers hold each once; values are XML-escaped). */
function element(xml: string, name: string): string | undefined {
  const found = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return found
    ?.replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

export function stsAssumeRole(settings: AwsServiceSettings): AssumeRole {
  const post = awsPost('sts', settings);
  return async (input) => {
    const form = new URLSearchParams({
      Action: 'AssumeRole',
      Version: VERSION,
      RoleArn: input.roleArn,
      RoleSessionName: input.sessionName,
      Policy: input.policy,
      DurationSeconds: String(input.durationSeconds),
    });
    const { status, text } = await post(
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      form.toString(),
    );
    if (status >= 300) {
      throw new AwsServiceError(
        element(text, 'Code') ?? 'StsError',
        element(text, 'Message') ?? text,
        status,
      );
    }
    const [accessKeyId, secretAccessKey, sessionToken, expiration] = [
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
    ].map((name) => element(text, name));
    if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration) {
      throw new AwsServiceError('StsError', 'STS returned no credentials', 502);
    }
    return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(expiration) };
  };
}
