/**
 * zod's functional API (`zod/mini`), as the API's schemas use it: the same checks and messages as zod's
 * chained API, in a form a bundler can trim to the checks a Lambda function uses (a chained schema carries
 * every method, and so all of zod: about 60 KB more in each function's bundle).
 *
 * zod/mini ships no messages of its own; an issue without a message of ours gets zod's English one, as it
 * would from the chained API, and the API's 400s quote it.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
