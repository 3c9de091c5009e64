/**
 * @questdb/nodejs-client's default HTTP transport is undici's Agent, whose `dispatcher.request` does
 * not exist under Bun ("this.dispatcher.request is not a function", seen with client 4.2.0 on Bun 1.4.5).
 * The client's `stdlib_http=on` option switches to node:http, which Bun implements: we add it unless
 * the user's configuration string already decides.
 */
export function ilpConfForBun(conf: string): string {
  if (!conf.startsWith("http")) return conf;
  if (/(^|;)stdlib_http=/.test(conf)) return conf;
  return `${conf.endsWith(";") ? conf : `${conf};`}stdlib_http=on;`;
}
