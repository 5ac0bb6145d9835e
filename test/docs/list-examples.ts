import { fileURLToPath } from 'node:url';
import { listing } from './markdown-examples.js';

// `npx tsx test/docs/list-examples.ts`: which doc examples the docs test runs, and which it skips and why.
console.log(listing(fileURLToPath(new URL('../..', import.meta.url))));
