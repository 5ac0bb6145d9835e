#!/usr/bin/env node
// This repository's `runnel` for developers: the CLI's TypeScript source, compiled by tsx as it loads,
// so it works from a clean clone with no build step. The published bin (package runnel-streams) is the
// compiled dist/cli/main.js instead (bin/build.ts).
import { register } from 'tsx/esm/api';

register();
await import('../lib/cli/main.ts');
