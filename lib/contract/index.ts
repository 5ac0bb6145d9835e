// The wire contract of Runnel's HTTP API: types, limits and routes, shared by the server and the
// client. It imports nothing outside lib/contract and lib/codec, so the client can ship it alone.
export * from './dead-letter.js';
export * from './fetch.js';
export * from './groups.js';
export * from './limits.js';
export * from './operations.js';
export * from './records.js';
export * from './routes.js';
export * from './subscriptions.js';
export * from './topic-partition.js';
export * from './topics.js';
export * from './wake.js';
