import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StorageClients } from '../lib/storage/clients.js';

/** A service time distribution, stated by the two figures public material gives: its median and its 99th percentile. */
export interface ServiceTime {
  p50Ms: number;
  p99Ms: number;
}

/**
 * Service times of the calls Runnel makes, as seen by a client in the same AWS Region, from public AWS
 * material and published measurements (sources and reasoning in BENCHMARKS.md, "The AWS latency
 * profile"). Each is a log-normal distribution through its p50 and p99: latency has a floor and a long
 * right tail, and two quantiles fix a log-normal exactly. Calls not named here get no service time.
 */
export const AWS_PROFILE: Readonly<Record<string, ServiceTime>> = {
  // S3 Standard, objects of about 100 KB (a segment of 100 × 1 KiB records): AWS puts the median of
  // requests under 512 KB in the tens of milliseconds and S3 Standard's latency at 100–200 ms; a p99 of
  // 200 ms is WarpStream's S3 Standard p99 produce latency (400–600 ms) less its 250 ms batching.
  PutObjectCommand: { p50Ms: 30, p99Ms: 200 },
  // First byte of a small or ranged GET: tens of milliseconds median, the same 100–200 ms tail.
  GetObjectCommand: { p50Ms: 20, p99Ms: 120 },
  // DynamoDB: "single-digit millisecond" at the median; 10–20 ms observed by clients in the tail.
  // A write is acknowledged by two of three replicas, so it sits above a read.
  UpdateItemCommand: { p50Ms: 5, p99Ms: 20 },
  PutItemCommand: { p50Ms: 5, p99Ms: 20 },
  DeleteItemCommand: { p50Ms: 5, p99Ms: 20 },
  GetItemCommand: { p50Ms: 3, p99Ms: 12 },
  QueryCommand: { p50Ms: 4, p99Ms: 15 },
};

/** The standard normal's 99th percentile: a log-normal's p99 is exp(μ + Z99·σ). */
const Z99 = 2.3263478740408408;

/** mulberry32: a small seeded PRNG, so two runs (and the system and its floor) draw the same service times. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a command name: each command draws from a stream of its own, so other calls do not shift its draws. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Draws log-normal service times, one seeded stream per command. */
export class ServiceTimeSampler {
  private streams = new Map<string, () => number>();

  constructor(
    private readonly profile: Readonly<Record<string, ServiceTime>>,
    private seed: number,
  ) {}

  /** Starts every stream again from its first draw: two loads reset alike see the same sequence per command. */
  reset(seed = this.seed): void {
    this.seed = seed;
    this.streams.clear();
  }

  /** A service time in ms for one call of `command`, or undefined if the profile does not name it. */
  draw(command: string): number | undefined {
    const t = this.profile[command];
    if (!t) return undefined;
    let next = this.streams.get(command);
    if (!next) this.streams.set(command, (next = mulberry32(this.seed ^ hash(command))));
    // Box–Muller from two uniforms in (0, 1].
    const u1 = 1 - next();
    const u2 = next();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    const mu = Math.log(t.p50Ms);
    const sigma = Math.log(t.p99Ms / t.p50Ms) / Z99;
    return Math.exp(mu + sigma * z);
  }
}

export interface LatencyProfileSwitch {
  /** Turns the injected service times on (resetting the streams to `seed`, if given) or off. */
  enable(seed?: number): void;
  disable(): void;
  readonly enabled: boolean;
}

export const DEFAULT_PROFILE_SEED = 20261124;

/**
 * Gives each call of a client pair an AWS-like service time: the call is held until the sampled time
 * has passed since it was sent, so it takes the longer of the emulator's own time and the sample. The
 * middleware sits inside the SDK's retry loop, so a retried attempt pays its own service time, as on AWS.
 * Off until enabled, so one run can measure with and without it on the same clients.
 */
export function applyLatencyProfile(
  clients: StorageClients,
  options: { profile?: Readonly<Record<string, ServiceTime>>; seed?: number; enabled?: boolean } = {},
): LatencyProfileSwitch {
  const sampler = new ServiceTimeSampler(options.profile ?? AWS_PROFILE, options.seed ?? DEFAULT_PROFILE_SEED);
  let enabled = options.enabled ?? false;
  const add = (client: S3Client | DynamoDBClient, service: string) =>
    (client.middlewareStack as DynamoDBClient['middlewareStack']).add(
      (next, context) => async (args) => {
        const serviceMs = enabled ? sampler.draw(context.commandName ?? '') : undefined;
        if (serviceMs === undefined) return next(args);
        const sent = performance.now();
        const settle = async () => {
          const left = serviceMs - (performance.now() - sent);
          if (left > 0) await new Promise((r) => setTimeout(r, left));
        };
        try {
          const result = await next(args);
          await settle();
          return result;
        } catch (e) {
          await settle();
          throw e;
        }
      },
      { step: 'deserialize', priority: 'low', name: `bench-latency-profile-${service}` },
    );
  add(clients.s3, 's3');
  add(clients.dynamo, 'dynamodb');
  return {
    enable(seed?: number) {
      if (seed !== undefined) sampler.reset(seed);
      enabled = true;
    },
    disable() {
      enabled = false;
    },
    get enabled() {
      return enabled;
    },
  };
}
