import { startDynalite, startS3rver, type Emulator } from '../lib/local/emulators.js';
import { serveParent } from './child.js';

/**
 * One emulator (dynalite or s3rver) in a process of its own, so that its CPU is neither the Runnel
 * server's nor the load generator's: `emulator-process.ts <dynalite|s3rver> <directory>`.
 */
const [kind, directory] = process.argv.slice(2);
let emulator: Emulator | undefined;
serveParent(
  {
    async start() {
      if (kind === 'dynalite') emulator = await startDynalite(directory);
      else if (kind === 's3rver' && directory) emulator = await startS3rver(directory);
      else throw new Error(`usage: emulator-process.ts <dynalite|s3rver> <directory>, not ${process.argv.slice(2).join(' ')}`);
      return emulator.endpoint;
    },
  },
  async () => emulator?.close(),
);
