/** Host names that always mean this machine: the dev server and the emulators answer to these by default. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** The loopback names plus RUNNEL_ALLOWED_HOSTS (comma-separated), for a dev server reached by another name. */
export function allowedHostsFrom(env: string | undefined): string[] {
  const extra = (env ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  return [...LOOPBACK_HOSTS, ...extra];
}
