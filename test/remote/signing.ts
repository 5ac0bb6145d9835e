import { LOOPBACK_HOSTS } from '../../lib/local/hosts.js';

/**
 * Whether `test:remote` signs its requests. A loopback URL is `npm run dev` (no auth) unless told
 * otherwise, so it is not signed by default; any other URL is a deployment behind IAM auth and is.
 * `--sign` signs a loopback URL (LocalStack's `http://localhost:4566/_aws/execute-api/…` form) and
 * `--no-sign` leaves any other unsigned.
 */
export function shouldSign(url: string, flags: { sign: boolean; noSign: boolean }): boolean {
  if (flags.sign && flags.noSign) throw new Error('give --sign or --no-sign, not both');
  if (flags.sign) return true;
  if (flags.noSign) return false;
  const host = new URL(url).hostname.toLowerCase();
  return !(LOOPBACK_HOSTS.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host));
}
