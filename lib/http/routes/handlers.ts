import type { Handler } from 'hono';
import type { Concern, OperationId, ROUTES } from '../../contract/routes.js';

/** The handler of each operation in a slice of the contract's route table. */
export type Handlers<Id extends OperationId = OperationId> = Record<Id, Handler>;

/** The handlers of every operation one concern serves: the type refuses a concern's function that leaves one out. */
export type ConcernHandlers<C extends Concern> = Handlers<Extract<(typeof ROUTES)[number], { concern: C }>['operationId']>;
