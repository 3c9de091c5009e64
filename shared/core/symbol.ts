/** A market symbol as Nobitex spells it (BTCIRT, USDTIRT): 2-20 upper-case letters or digits. */
export const SYMBOL_CHARS = "[A-Z0-9]{2,20}";
/** The whole string is a symbol: config, message schemas, parsers and the API all check this one. */
export const SYMBOL_PATTERN = new RegExp(`^${SYMBOL_CHARS}$`);
export const isSymbol = (text: string): boolean => SYMBOL_PATTERN.test(text);
