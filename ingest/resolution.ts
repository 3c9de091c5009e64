/** Nobitex UDF resolutions (minutes, or days with `D`) as seconds, and open-time alignment. */

export function resolutionSeconds(resolution: string): number {
  const days = /^(\d*)D$/.exec(resolution);
  if (days) return Number(days[1] || 1) * 86_400;
  const minutes = Number(resolution);
  if (!Number.isInteger(minutes) || minutes <= 0) throw new RangeError(`unknown resolution "${resolution}"`);
  return minutes * 60;
}

/** The UDF resolution whose length is `seconds` (the inverse of resolutionSeconds for recordings). */
export function resolutionFromSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? "D" : `${seconds / 86_400}D`;
  return String(seconds / 60);
}

/** Start of the period containing `unixSeconds` (UTC-aligned; daily Tehran-midnight alignment is not needed for minutes). */
export const alignDown = (unixSeconds: number, periodSeconds: number): number =>
  Math.floor(unixSeconds / periodSeconds) * periodSeconds;
