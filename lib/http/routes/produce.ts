import { parseCborProduceRequest, produceRequestSchema } from '../../api/produce-request.js';
import { parseOrThrow } from '../../api/validation.js';
import type { Services } from '../../runtime.js';
import { cborBody } from '../cbor-body.js';
import { isCborContentType, jsonBody } from '../json-body.js';
import { topicParam } from '../params.js';
import type { Handlers } from './handlers.js';

export const produceHandlers = ({ produce }: Pick<Services, 'produce'>): Handlers<'produceRecords'> => ({
  produceRecords: async (c) => {
    const topic = topicParam(c);
    // The same request in either body, checked by the same rules (a CBOR record's key or value may be bytes).
    const request = isCborContentType(c.req.header('content-type'))
      ? parseCborProduceRequest(await cborBody(c))
      : parseOrThrow(produceRequestSchema, await jsonBody(c, true));
    return c.json(await produce.produce(topic, request));
  },
});
