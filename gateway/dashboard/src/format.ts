/** `2026-12-06 01:33:04` in the viewer's time zone: logistics staff read local times. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The first characters of a transaction id, as the CLI prints them. */
export const shortTx = (txId: string): string => `${txId.slice(0, 8)}…`;

/** Error text for the page: the API's code and message. */
export function describeError(err: unknown): string {
  if (err instanceof Error && 'code' in err) return `${String(err.code)}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
