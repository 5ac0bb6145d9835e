import type { RunnelConfig } from '../../config.js';
import { createCore } from '../../core.js';
import { ProduceService } from '../../produce/produce-service.js';
import { produceHandlers } from '../routes/produce.js';
import type { ConcernHandlers } from '../routes/handlers.js';

/**
 * The produce function's routes over the log and the topic store alone. It never serves the fetches that
 * would read the batches it appends, so it does not cache them.
 */
export function produceFunction(config: RunnelConfig): ConcernHandlers<'produce'> {
  const { topics, log, autoCreate } = createCore(config, { log: { cacheAppends: false } });
  return produceHandlers({ produce: new ProduceService({ topics, log, autoCreate }) });
}
