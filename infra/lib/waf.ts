/**
 * The API's web ACL: per-address and per-token rate limits, then AWS's managed rules for known bad
 * inputs and common exploits. Each rule's CloudWatch metric is named after the rule.
 */
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiFirewallProps {
  /** Names the web ACL and its metrics: `polku-<stage>-api`. */
  readonly stageName: string;
  /** The API Gateway stage the web ACL protects. */
  readonly apiStage: Stage;
  /** Requests one source IP may make in any 5 minutes. */
  readonly ratePerAddress: number;
  /** Requests one `Authorization` header value (one access token) may make in any 5 minutes. */
  readonly ratePerToken: number;
}

/** The rules in evaluation order; their names are also their metric names. */
export const WAF_RULES = {
  ratePerAddress: 'RatePerAddress',
  ratePerToken: 'RatePerToken',
  knownBadInputs: 'AWSManagedRulesKnownBadInputsRuleSet',
  common: 'AWSManagedRulesCommonRuleSet',
} as const;

const RATE_LIMITED_BODY = 'rate-limited';

const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/** Blocked with the API's own 429 problem, so a client backs off as it does for the signup limit. */
const rateLimited: CfnWebACL.RuleActionProperty = {
  block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY } },
};

export class ApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const name = `polku-${props.stageName}-api`;

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name,
      description: `Polku ${props.stageName}: rate limits and AWS managed rules in front of the API`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(name),
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            type: 'https://polku.fi/problems/too-many-requests',
            title: 'Too many requests',
            status: 429,
            detail:
              'Too many requests from this address or with this token; slow down and retry in a few minutes',
          }),
        },
      },
      rules: [
        {
          name: WAF_RULES.ratePerAddress,
          priority: 0,
          action: rateLimited,
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: props.ratePerAddress } },
          visibilityConfig: visibility(WAF_RULES.ratePerAddress),
        },
        {
          // A token belongs to one API client of one tenant, so this is a per-client limit that a
          // client cannot dodge by spreading its calls over many addresses. Requests without the
          // header (signup, health, JWKS) are not counted here, only per address.
          name: WAF_RULES.ratePerToken,
          priority: 1,
          action: rateLimited,
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [
                { header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } },
              ],
              limit: props.ratePerToken,
            },
          },
          visibilityConfig: visibility(WAF_RULES.ratePerToken),
        },
        {
          // Log4j, Java deserialization and similar payloads: nothing Polku's clients send.
          name: WAF_RULES.knownBadInputs,
          priority: 2,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: WAF_RULES.knownBadInputs } },
          visibilityConfig: visibility(WAF_RULES.knownBadInputs),
        },
        {
          // Blocking: Polku's clients are integrations sending JSON, in which script tags, SQL
          // injection or path traversal have no legitimate use. A false positive shows in the metric.
          name: WAF_RULES.common,
          priority: 3,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: WAF_RULES.common,
              // The rule blocks bodies over 8 KB; the API accepts JSON bodies up to 64 KB
              // (maxBodyBytes in functions/api/src/config.ts) and answers 413 itself above that.
              // Counted rather than removed, so its metric still shows how many bodies are large.
              ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
            },
          },
          visibilityConfig: visibility(WAF_RULES.common),
        },
      ],
    });

    new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.apiStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
