/**
 * @questdb/nodejs-client 4.2.0 is installed with a patch (patches/@questdb%2Fnodejs-client@4.2.0.patch,
 * applied by `bun install`): it validated every table and column name character by character on every
 * row, wrote names and values one character per native Buffer.write, and measured each name's UTF-8
 * length with a native call. Now a name's characters are checked once (invalid names still throw on every
 * use), strings with nothing to escape are written whole, and short ASCII strings are copied and measured in
 * JavaScript. The bytes must stay exactly the ILP the client wrote before: checked here against the
 * line protocol's escaping rules, for names and values that need escaping or not, ASCII or not, short or long.
 */
import { describe, expect, test } from "bun:test";
import { Sender } from "@questdb/nodejs-client";

/** Table names, column names and symbol values: space, comma, equals, newline and CR get a backslash; a backslash doubles. */
const escapeName = (s: string) => s.replace(/[ ,=\n\r\\]/g, (c) => (c === "\\" ? "\\\\" : `\\${c}`));
/** String values, inside quotes: a quote, newline and CR get a backslash; a backslash doubles. */
const escapeQuoted = (s: string) => s.replace(/["\n\r\\]/g, (c) => (c === "\\" ? "\\\\" : `\\${c}`));

const TABLES = ["stock_data", "t a", "tabla_ñ", "表"];
const COLUMNS = ["open", "SMA_5", "a b", "x=y", "ñame", "𝒳col", "c".repeat(100), `${"d".repeat(63)}é`];
const VALUES = [
  "ETHBTC",
  "BUY",
  "v=1, z\nw\\",
  'say "hi"\r',
  "تومان",
  "x".repeat(80),
  `${"y".repeat(63)}😀`,
  "",
];

const newSender = (options = "") => Sender.fromConfig(`http::addr=127.0.0.1:1;protocol_version=1;${options}`);
const written = (sender: Sender) =>
  (sender as unknown as { buffer: { toBufferView(): Buffer } }).buffer.toBufferView();

describe("@questdb/nodejs-client as patched", () => {
  test("rows are the line protocol's bytes, the first time a name is seen and every time after", async () => {
    const sender = await newSender();
    for (let round = 0; round < 2; round++)
      for (const table of TABLES)
        for (const [i, column] of COLUMNS.entries()) {
          const symbol = VALUES[i % VALUES.length] as string;
          const text = VALUES[(i + 3) % VALUES.length] as string;
          sender.reset();
          sender
            .table(table)
            .symbol(column, symbol)
            .stringColumn(`${column}_s`, text)
            .booleanColumn("b", true);
          await sender.at(1_700_000_000_000, "ms");
          const expected =
            `${escapeName(table)},${escapeName(column)}=${escapeName(symbol)} ` +
            `${escapeName(`${column}_s`)}="${escapeQuoted(text)}",b=t 1700000000000000000\n`;
          expect(written(sender).equals(Buffer.from(expected)), `${round} ${table} ${column}`).toBe(true);
        }
  });

  test("doubles keep their binary form (protocol 2) after names written from the cache", async () => {
    const sender = await Sender.fromConfig("http::addr=127.0.0.1:1;protocol_version=2;");
    for (let round = 0; round < 2; round++) {
      sender.reset();
      sender.table("t").floatColumn("open", 1.5).floatColumn("a b", -0);
      await sender.at(1, "us");
      const double = (x: number) => {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(x);
        return [...b];
      };
      const expected = [
        ...Buffer.from("t open=="),
        16,
        ...double(1.5),
        ...Buffer.from(",a\\ b=="),
        16,
        ...double(-0),
        ...Buffer.from(" 1t\n"),
      ];
      expect([...written(sender)]).toEqual(expected);
    }
  });

  test("an invalid name throws every time, and a name valid once is still too long for a shorter limit", async () => {
    const sender = await newSender();
    for (let round = 0; round < 2; round++) {
      sender.reset();
      expect(() => sender.table("t?")).toThrow("Invalid character in table name");
      sender.reset();
      expect(() => sender.table(".t")).toThrow("cannot start or end with a dot");
      sender.reset();
      expect(() => sender.table("t").floatColumn("a.b", 1)).toThrow("Invalid character in column name");
      sender.reset();
      expect(() => sender.table("t").symbol("s?", "x")).toThrow("Invalid character in column name");
    }
    const long = "n".repeat(20);
    sender.reset();
    sender.table(long).booleanColumn(long, true);
    const strict = await newSender("max_name_len=10;");
    expect(() => strict.table(long)).toThrow("Table name is too long");
    strict.reset();
    expect(() => strict.table("t").booleanColumn(long, true)).toThrow("Column name is too long");
  });
});
