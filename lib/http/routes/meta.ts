import { openApiDocument } from '../openapi.js';
import type { Handlers } from './handlers.js';

export const metaHandlers = (): Handlers<'getOpenApiDocument' | 'health'> => ({
  getOpenApiDocument: (c) => c.json(openApiDocument()),
  health: (c) => c.json({ status: 'ok' }),
});
