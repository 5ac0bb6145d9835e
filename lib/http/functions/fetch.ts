import type { RunnelConfig } from '../../config.js';
import { createCore } from '../../core.js';
import { FetchService } from '../../fetch/fetch-service.js';
import { fetchHandlers } from '../routes/fetch.js';
import type { ConcernHandlers } from '../routes/handlers.js';

/** The fetch function's routes over the log and the topic store alone; the wake route names the deployment's WebSocket API, if it has one. */
export function fetchFunction(config: RunnelConfig): ConcernHandlers<'fetch'> {
  const { topics, log } = createCore(config);
  return fetchHandlers({ fetch: new FetchService(topics, log), topics, socketUrl: config.wakeSocketUrl });
}
