import { parseArgs } from 'node:util';
import { RunnelApi } from '../../lib/client/api.js';
import { HttpClient } from '../../lib/client/http.js';
import { runChecks } from './checks.js';
import { shouldSign } from './signing.js';

/**
 * Black-box checks against any deployed Runnel: `npm run test:remote -- --url URL`. Requests to a
 * deployment are signed with SigV4 from the AWS default credential chain (the stack's routes use IAM
 * auth); a loopback URL (`npm run dev`) is not, unless `--sign` (see signing.ts). The same checks run
 * on the synthesized bundles in `npm test`.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      region: { type: 'string' },
      sign: { type: 'boolean', default: false },
      'no-sign': { type: 'boolean', default: false },
    },
  });
  if (!values.url || !URL.canParse(values.url)) {
    console.error('usage: npm run test:remote -- --url <API URL> [--region <region>] [--sign | --no-sign]');
    return 2;
  }
  const sign = shouldSign(values.url, { sign: values.sign, noSign: values['no-sign'] });
  const api = new RunnelApi(new HttpClient({ url: values.url, sigv4: sign, region: values.region }));
  console.log(`Runnel black-box checks against ${values.url}, ${sign ? 'signed with SigV4' : 'unsigned'}`);
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
