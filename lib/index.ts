// The package's entry point is the client; the server side is deployed, not imported.
export * from './client/index.js';
