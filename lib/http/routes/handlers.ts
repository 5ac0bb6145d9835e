import type { Handler } from 'hono';
import type { OperationId } from '../../contract/routes.js';

/** The handler of each operation in a slice of the contract's route table. */
export type Handlers<Id extends OperationId = OperationId> = Record<Id, Handler>;
