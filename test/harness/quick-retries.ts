import type { StorageClients } from '../../lib/storage/clients.js';

interface Token {
  getRetryCount(): number;
  getRetryDelay(): number;
}

const token = (count: number): Token => ({ getRetryCount: () => count, getRetryDelay: () => 1 });

/**
 * The SDK's retry middleware still decides what is retried (it classifies each error as throttling,
 * transient, server or client), and retries up to three attempts as its standard strategy does; only
 * the back-off, up to a second for a throttle, is cut to a millisecond so hundreds of schedules fit in
 * `npm test`. Installed on a client's resolved config, so it applies to every call the client makes.
 */
const quickStrategy = {
  async acquireInitialRetryToken(): Promise<Token> {
    return token(0);
  },
  async refreshRetryTokenForRetry(previous: Token, errorInfo: { errorType: string }): Promise<Token> {
    const retryable = errorInfo.errorType === 'THROTTLING' || errorInfo.errorType === 'TRANSIENT';
    if (!retryable || previous.getRetryCount() + 1 >= 3) throw new Error('No retry token available');
    return token(previous.getRetryCount() + 1);
  },
  recordSuccess(): void {},
};

export function withQuickRetries(clients: StorageClients): StorageClients {
  for (const client of [clients.s3, clients.dynamo]) (client.config as { retryStrategy: () => Promise<unknown> }).retryStrategy = async () => quickStrategy;
  return clients;
}
