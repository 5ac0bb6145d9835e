import { parseArgs } from 'node:util';
import { RunnelApi } from '../../lib/client/api.js';
import { HttpClient } from '../../lib/client/http.js';
import { runChecks } from './checks.js';

/**
 * Black-box checks against any deployed Runnel: `npm run test:remote -- --url URL`. Requests are signed
 * with SigV4 from the AWS default credential chain (the stack's routes use IAM auth); `--no-sign` for an
 * endpoint without auth such as `npm run dev`. The same checks run on the synthesized bundles in `npm test`.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      region: { type: 'string' },
      'no-sign': { type: 'boolean', default: false },
    },
  });
  if (!values.url) {
    console.error('usage: npm run test:remote -- --url <API URL> [--region <region>] [--no-sign]');
    return 2;
  }
  const api = new RunnelApi(new HttpClient({ url: values.url, sigv4: !values['no-sign'], region: values.region }));
  console.log(`Runnel black-box checks against ${values.url}`);
  const results = await runChecks(api, undefined, (r) =>
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${Math.round(r.ms)} ms)${r.error ? `\n     ${r.error}` : ''}`),
  );
  const failed = results.filter((r) => !r.ok).length;
  console.log(failed ? `${failed} of ${results.length} checks failed` : `all ${results.length} checks passed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
