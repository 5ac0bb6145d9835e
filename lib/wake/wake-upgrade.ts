import type { Context } from 'hono';
import type { WakeRegistration } from './wake-hub.js';

/**
 * How a server that upgrades wake sockets learns what the route admitted: it runs the upgrade request
 * through the app (so the host checks, validation and 404s are the API's own) with this in the app's
 * environment, and upgrades only when the route answered 200 and called it.
 */
export interface WakeUpgradeEnv {
  runnelWakeUpgrade: (registration: WakeRegistration) => void;
}

export function wakeUpgradeOf(c: Context): WakeUpgradeEnv['runnelWakeUpgrade'] | undefined {
  const env = c.env as Partial<WakeUpgradeEnv> | undefined;
  return typeof env?.runnelWakeUpgrade === 'function' ? env.runnelWakeUpgrade : undefined;
}
