import type { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaTarget, type LambdaTargetSpec } from './lambda.js';
import type { Target } from './target.js';
import { WebhookTarget, type WebhookTargetSpec } from './webhook.js';

export type TargetSpec = LambdaTargetSpec | WebhookTargetSpec;

export interface TargetDeps {
  /** The Lambda client, made on first use: a deployment without Lambda targets never builds one. */
  lambda: () => LambdaClient;
  now?: () => number;
}

/** One factory per target type: a new kind of target is one more entry. */
const factories: { [K in TargetSpec['type']]: (spec: Extract<TargetSpec, { type: K }>, deps: TargetDeps) => Target } = {
  lambda: (spec, deps) => new LambdaTarget(spec, deps.lambda()),
  webhook: (spec, deps) => new WebhookTarget(spec, deps.now),
};

export function createTarget(spec: TargetSpec, deps: TargetDeps): Target {
  return (factories[spec.type] as (spec: TargetSpec, deps: TargetDeps) => Target)(spec, deps);
}

export type { Delivery, Target } from './target.js';
export * from './errors.js';
