import { configFromEnv } from '../lib/config.js';
import { createServices } from '../lib/runtime.js';
import { subscriptionResourceHandler } from '../lib/subscriptions/subscription-resource.js';

export const handler = subscriptionResourceHandler(createServices(configFromEnv()).subscriptions.admin);
