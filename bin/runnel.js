#!/usr/bin/env node
// The CLI is TypeScript, compiled by tsx as it loads, so `runnel` works from a clean clone after
// `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../lib/cli/main.ts');
