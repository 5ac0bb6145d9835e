import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DELIVERY_METRICS, METRICS_NAMESPACE } from '../lib/observability/metric-names.js';

export interface RunnelMonitoringProps {
  readonly api: HttpApi;
  readonly functions: Readonly<Record<string, LambdaFunction>>;
  readonly logTable: TableV2;
  readonly alarmTopic?: ITopic;
  readonly produceLatencyThreshold: Duration;
  /** The age of the oldest undelivered record of any subscription above which the delivery-lag alarm fires. */
  readonly subscriptionAgeThreshold: Duration;
  /**
   * The functions that read the log table's stream, each with the iterator age above which it alarms:
   * a reader that falls that far behind (or whose failures the mapping keeps retrying) leaves wakes and
   * deliveries waiting, and a record older than its mapping's maxRecordAge is dropped unseen.
   */
  readonly streamReaders?: ReadonlyArray<{ readonly name: string; readonly fn: LambdaFunction; readonly maxIteratorAge: Duration }>;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms for what needs a person: server errors, crashed or throttled functions, throttled log-table
 * writes (a hot partition head), slow produce, and stream readers falling behind (a wake notifier's
 * failed wakes count as successes in its Errors metric: the mapping retries them as partial batch
 * failures, so only the iterator age shows them piling up). Fetch duration is not alarmed: long polls make it
 * long by design.
 */
export class RunnelMonitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: RunnelMonitoringProps) {
    super(scope, id);
    const functions = Object.entries(props.functions);
    const alarm = (name: string, { metric, threshold, description }: { metric: IMetric; threshold: number; description: string }) => {
      const a = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (props.alarmTopic) a.addAlarmAction(new SnsAction(props.alarmTopic));
      this.alarms.push(a);
    };

    alarm('Api5xx', { metric: props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }), threshold: 1, description: 'The HTTP API answered with a 5xx' });
    for (const [name, fn] of functions) {
      alarm(`${name}Errors`, { metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), threshold: 1, description: `The ${name} function failed invocations` });
      alarm(`${name}Throttles`, { metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), threshold: 1, description: `The ${name} function was throttled` });
    }
    const logThrottles = props.logTable.metricThrottledRequestsForOperations({
      operations: [Operation.UPDATE_ITEM, Operation.GET_ITEM, Operation.PUT_ITEM, Operation.QUERY],
      period: FIVE_MINUTES,
    });
    alarm('LogTableThrottles', { metric: logThrottles, threshold: 1, description: 'DynamoDB throttled requests to the log table (hot partition heads)' });
    const produce = props.functions.produce;
    if (produce) {
      alarm('ProduceLatency', {
        metric: produce.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
        threshold: props.produceLatencyThreshold.toMilliseconds(),
        description: 'Produce p99 duration is above its threshold',
      });
    }

    for (const { name, fn, maxIteratorAge } of props.streamReaders ?? []) {
      alarm(`${name}IteratorAge`, {
        metric: fn.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: maxIteratorAge.toMilliseconds(),
        description: `The ${name} function reads the log table's stream more than ${maxIteratorAge.toHumanString()} behind`,
      });
    }

    // Published by the dispatcher (lib/observability/metrics.ts) while it delivers: the largest age, over
    // every subscription, of a record still waiting to be delivered.
    const oldestUndelivered = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: DELIVERY_METRICS.oldestUndeliveredAge,
      dimensionsMap: { service: 'dispatcher' },
      statistic: 'Maximum',
      period: FIVE_MINUTES,
    });
    alarm('SubscriptionLag', {
      metric: oldestUndelivered,
      threshold: props.subscriptionAgeThreshold.toMilliseconds(),
      description: 'A push subscription has a record older than its threshold still undelivered',
    });

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [props.api.metricCount({ statistic: 'Sum' }), props.api.metricClientError({ statistic: 'Sum' }), props.api.metricServerError({ statistic: 'Sum' })],
      }),
      new GraphWidget({ title: 'API latency p99 (ms)', left: [props.api.metricLatency({ statistic: 'p99' }), props.api.metricIntegrationLatency({ statistic: 'p99' })] }),
      new GraphWidget({ title: 'Log table throttled requests', left: [logThrottles] }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Invocations', left: functions.map(([name, fn]) => fn.metricInvocations({ statistic: 'Sum', label: name })) }),
      new GraphWidget({
        title: 'Errors and throttles',
        left: functions.map(([name, fn]) => fn.metricErrors({ statistic: 'Sum', label: `${name} errors` })),
        right: functions.map(([name, fn]) => fn.metricThrottles({ statistic: 'Sum', label: `${name} throttles` })),
      }),
      new GraphWidget({ title: 'Duration p99 (ms)', left: functions.map(([name, fn]) => fn.metricDuration({ statistic: 'p99', label: name })) }),
    );
  }
}
