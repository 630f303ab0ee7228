/**
 * The stack's alarms, all sent to one SNS topic: the API's 5XX rate and p99 latency, every
 * function's errors and throttles, every dead-letter queue's depth, and the table's throttled requests.
 */
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** Prefixes every alarm's name: `polku-<stage>-…`. */
  readonly stageName: string;
  readonly api: RestApi;
  /** The API's p99 latency above which the latency alarm fires. */
  readonly p99LatencyMs: number;
  /** Every function, by the name its alarms carry. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Functions whose throttles are by design (a reserved concurrency that holds runs back): errors only. */
  readonly throttledByDesign?: readonly IFunction[];
  /** Every dead-letter queue, by the name its alarm carries, with what it holds. */
  readonly deadLetterQueues: Readonly<Record<string, { queue: IQueue; holds: string }>>;
  readonly table: TableV2;
  /** Subscribed to the topic; AWS mails a confirmation link first. */
  readonly email?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * What the table is called with (packages/storage); one metric each, because DynamoDB publishes
 * ThrottledRequests per operation only, and an alarm takes at most 10 metrics.
 */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.BATCH_WRITE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

/**
 * The table's throttled requests over all its operations. An operation's series has datapoints only
 * when it was throttled; each is filled with 0 so the sum has one whenever any operation was.
 */
function throttledRequests(table: TableV2): MathExpression {
  const usingMetrics = Object.fromEntries(
    TABLE_OPERATIONS.map((operation) => [
      operation.toLowerCase(),
      table.metricThrottledRequestsForOperation(operation, { period: PERIOD, statistic: Stats.SUM }),
    ]),
  );
  return new MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label: 'Throttled requests, all operations',
    period: PERIOD,
  });
}

export class Alarms extends Construct {
  readonly topic: Topic;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.prefix = `polku-${props.stageName}`;
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `Polku ${props.stageName} alarms`,
      enforceSSL: true,
    });
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));

    const { api } = props;
    this.alarm('api-5xx-rate', {
      description: 'More than 1% of API requests answered 5XX over 5 minutes: see the API function logs',
      metric: api.metricServerError({ period: PERIOD, statistic: Stats.AVERAGE }),
      threshold: 0.01,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.alarm('api-latency-p99', {
      description: `API p99 latency over ${props.p99LatencyMs} ms in 2 of the last 3 5-minute periods`,
      metric: api.metricLatency({ period: PERIOD, statistic: Stats.p(99) }),
      threshold: props.p99LatencyMs,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // One slow period is a burst of cold starts; two are a trend.
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    const throttledByDesign = new Set(props.throttledByDesign ?? []);
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`${name}-errors`, {
        description: `The ${name} function failed (an invocation error or timeout): see its logs`,
        metric: fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
      });
      if (throttledByDesign.has(fn)) continue;
      this.alarm(`${name}-throttles`, {
        description: `The ${name} function was throttled: the account's or its own concurrency limit was reached`,
        metric: fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM }),
      });
    }

    for (const [name, { queue, holds }] of Object.entries(props.deadLetterQueues)) {
      this.alarm(`${name}-dead-letters`, {
        description: `${holds} are in the ${name} dead-letter queue: read them back from the stream within 24 h`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM }),
      });
    }

    this.alarm('table-throttles', {
      description: 'DynamoDB throttled requests to the table: look for a hot partition or an account limit',
      metric: throttledRequests(props.table),
    });
  }

  /** An alarm on the topic; by default it fires on any datapoint of at least 1 in one period. */
  private alarm(
    id: string,
    options: {
      description: string;
      metric: IMetric;
      threshold?: number;
      comparison?: ComparisonOperator;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.prefix}-${id}`,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold ?? 1,
      comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.datapointsToAlarm ?? 1,
      // No requests, no invocations, an empty queue: nothing is wrong.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const notify = new SnsAction(this.topic);
    alarm.addAlarmAction(notify);
    alarm.addOkAction(notify);
    return alarm;
  }
}
