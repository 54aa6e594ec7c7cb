// Apart from the status tables, so that `kq dispatch --delay` prints a due time without loading them.

/** `now`, `45s`, `12m30s`, `3h05m`, `2d04h`; `-` when unknown. Rounded up: an estimate should not promise early. */
export function formatDrain(seconds: number | null): string {
  if (seconds === null) return '-'
  if (seconds === 0) return 'now'
  const whole = Math.ceil(seconds)
  const pad = (value: number) => String(value).padStart(2, '0')
  if (whole < 60) return `${whole}s`
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60)}s`
  if (whole < 86_400) return `${Math.floor(whole / 3600)}h${pad(Math.floor((whole % 3600) / 60))}m`
  return `${Math.floor(whole / 86_400)}d${pad(Math.floor((whole % 86_400) / 3600))}h`
}
