/** `--map BTCIRT=ETHBTC,ETHIRT=ETCBTC`: serve/replay a recording under another symbol (alias -> file). */
export function parseMap(text: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of (text ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9]{2,20})=([A-Za-z0-9]{2,20})$/.exec(pair);
    if (!match) throw new RangeError(`--map expects ALIAS=FILE pairs, got "${pair}"`);
    map[(match[1] as string).toUpperCase()] = (match[2] as string).toUpperCase();
  }
  return map;
}
