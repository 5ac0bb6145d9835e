import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { WakeMessage } from '../contract/wake.js';

/** How a post to a socket ended: sent, or the connection is gone (closed, or not open yet). */
export type PostOutcome = 'sent' | 'gone';

/** Sends one wake message down a socket API Gateway holds. */
export interface WakePoster {
  post(connectionId: string, message: WakeMessage): Promise<PostOutcome>;
}

export interface ConnectionPosterOptions {
  region: string;
  /** The WebSocket stage's callback URL, `https://<api>.execute-api.<region>.amazonaws.com/<stage>` (or a test server's). */
  callbackUrl: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

/**
 * Wake messages through API Gateway's Management API (PostToConnection, billed as one WebSocket message
 * each). A 410 (GoneException) is an outcome, not an error: the socket closed, or has not finished
 * opening; any other failure is thrown.
 */
export function connectionPoster(options: ConnectionPosterOptions): WakePoster {
  const client = new ApiGatewayManagementApiClient({
    region: options.region,
    endpoint: options.callbackUrl,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return {
    async post(connectionId, message) {
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify(message) }));
        return 'sent';
      } catch (error) {
        if (error instanceof GoneException) return 'gone';
        throw error;
      }
    },
  };
}
