/**
 * kafkajs 2.2.4 is installed with a patch (patches/kafkajs@2.2.4.patch, applied by `bun install`):
 * - its request queue re-armed a 1 ms timer forever on every broker connection, busy or idle, even
 *   with nothing to send (a CPU cost in every service, and Node's TimeoutNegativeWarning);
 * - its producer grouped a batch's messages by partition by copying the partition's array for each
 *   message, quadratic in the batch (a backfill's batches hold tens of thousands of messages);
 * - its encoder zero-filled every buffer it allocated (one per record) and made a Buffer view of each
 *   record to copy it into the batch: it now allocates without zeroing (only the written part is ever
 *   read) and copies each record's bytes directly, room for all reserved at once;
 * - its record decoder computed each record's offset and timestamp with two BigInts and a BigInt to
 *   string: now in doubles while they are exact, in BigInts otherwise;
 * - it wrote every varint through a JavaScript array and a Buffer of its own, every varlong (a
 *   record's timestamp delta) through 64-bit BigInt arithmetic, and measured a string key or value's
 *   UTF-8 length twice per record: varints are now written in place, varlongs below 2^52 in Numbers
 *   (read back in Numbers while they have at most 7 bytes), each length measured once.
 * The first two tests fail on the unpatched package; the encoder's output must stay byte for byte what it
 * was (checked here against the protocol's definition, and by real brokers in every integration test:
 * a wrong byte fails the batch's CRC).
 */
import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { silentLogger } from "../../core/log.ts";

const require = createRequire(import.meta.url);

type Message = { key: string; value: string };
const groupMessagesPerPartition = require("kafkajs/src/producer/groupMessagesPerPartition.js") as (args: {
  topic: string;
  partitionMetadata: { partitionId: number }[];
  messages: Message[];
  partitioner: (args: { message: Message }) => number;
}) => Record<number, Message[]>;

const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as new (
  options: Record<string, unknown>,
) => { checkPendingRequests(): void; throttleCheckTimeoutId: unknown; pending: unknown[] };

type EncoderLike = {
  buffer: Buffer;
  writeInt32(value: number): EncoderLike;
  writeVarInt(value: number): EncoderLike;
  writeVarLong(value: number | bigint | string): EncoderLike;
  writeVarIntBytes(value: Buffer | string): EncoderLike;
  writeEncoder(value: EncoderLike): EncoderLike;
  writeEncoderArray(value: EncoderLike[]): EncoderLike;
};
const Encoder = require("kafkajs/src/protocol/encoder.js") as (new (
  initialSize?: number,
) => EncoderLike) & { sizeOfVarLong(value: number | bigint | string): number };

const encodeRecord = require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
}) => EncoderLike;
const decodeRecord = require("kafkajs/src/protocol/recordBatch/record/v0/decoder.js") as (
  decoder: unknown,
  context: { firstOffset: string; firstTimestamp: string; magicByte: number },
) => { offset: string; timestamp: string; key: Buffer; value: Buffer };
const Decoder = require("kafkajs/src/protocol/decoder.js") as new (
  buffer: Buffer,
) => { readVarInt(): number; readVarLong(): { value: bigint }; readVarLongValue(): number | bigint };

/** Unsigned LEB128, as the Kafka protocol defines varints (https://kafka.apache.org/protocol#protocol_types). */
function leb128(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}
/** The protocol's varint (ZigZag over 32 bits) and varlong (ZigZag over 64 bits). */
const varint = (value: number) => leb128(BigInt(((value << 1) ^ (value >> 31)) >>> 0));
const varlong = (value: bigint) => leb128(BigInt.asUintN(64, (value << 1n) ^ (value >> 63n)));

/** A record with no headers, byte by byte from the protocol's definition. */
function expectedRecord(
  offsetDelta: number,
  timestampDelta: bigint,
  key: Buffer | null,
  value: Buffer | null,
) {
  const bytes = (b: Buffer | null) => (b === null ? varint(-1) : [...varint(b.length), ...b]);
  const body = [0, ...varlong(timestampDelta), ...varint(offsetDelta), ...bytes(key), ...bytes(value), 0];
  return Buffer.from([...varint(body.length), ...body]);
}

const VARLONGS = [
  0n,
  1n,
  -1n,
  63n,
  -64n,
  64n,
  127n,
  128n,
  -129n,
  59_999n,
  2n ** 31n,
  -(2n ** 31n) - 1n,
  2n ** 49n - 1n,
  2n ** 49n,
  -(2n ** 49n),
  2n ** 52n - 1n,
  -(2n ** 52n) + 1n,
  2n ** 52n,
  -(2n ** 52n),
  2n ** 53n + 2n,
  2n ** 62n,
  -(2n ** 63n),
  2n ** 63n - 1n,
];

describe("kafkajs as patched", () => {
  test("an idle request queue arms no timer", () => {
    const queue = new RequestQueue({
      maxInFlightRequests: null,
      requestTimeout: 30_000,
      enforceRequestTimeout: true,
      clientId: "test",
      broker: "127.0.0.1:9092",
      logger: silentLogger,
    });
    queue.checkPendingRequests();
    expect(queue.pending).toHaveLength(0);
    // Unpatched, this is a 1 ms timer that re-arms itself on every run.
    expect(queue.throttleCheckTimeoutId ?? null).toBeNull();
  });

  test("a batch is grouped by partition in order, in one pass", () => {
    // 200,000 messages in one partition: the unpatched grouping copies ~2e10 array slots (minutes).
    const messages = Array.from({ length: 200_000 }, (_, i) => ({ key: `k${i % 3}`, value: String(i) }));
    let calls = 0;
    const grouped = groupMessagesPerPartition({
      topic: "t",
      partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }],
      messages,
      partitioner: ({ message }) => {
        calls++;
        return message.key === "k2" ? 1 : 0;
      },
    });
    expect(calls).toBe(messages.length);
    expect(Object.keys(grouped)).toEqual(["0", "1"]);
    expect(grouped[0]).toEqual(messages.filter((m) => m.key !== "k2"));
    expect(grouped[1]).toEqual(messages.filter((m) => m.key === "k2"));
    expect(
      groupMessagesPerPartition({ topic: "t", partitionMetadata: [], messages, partitioner: () => 0 }),
    ).toEqual({});
  });

  test("encoders copied into one another give exactly their bytes, in order, across growth", () => {
    const parts = Array.from({ length: 300 }, (_, i) =>
      new Encoder().writeInt32(i).writeVarIntBytes("x".repeat(i * 7)),
    );
    const whole = new Encoder(16).writeEncoderArray(parts);
    expect(whole.buffer.equals(Buffer.concat(parts.map((p) => p.buffer)))).toBe(true);
    const nested = new Encoder(1).writeInt32(-1).writeEncoder(whole).writeInt32(7);
    const expected = Buffer.alloc(whole.buffer.length + 8);
    expected.writeInt32BE(-1, 0);
    whole.buffer.copy(expected, 4);
    expected.writeInt32BE(7, expected.length - 4);
    expect(nested.buffer.equals(expected)).toBe(true);
  });

  test("records decode to the offset and timestamp BigInt arithmetic gives, past 2^53 too", () => {
    const cases: [string, number, string, number][] = [
      ["0", 0, "1700000000000", 0],
      ["41", 7, "1700000000000", 59_999],
      ["9007199254740990", 1, "-1", 1],
      ["9007199254740991", 5, "9007199254740991", 2],
      ["9223372036854775800", 7, "1", -1],
    ];
    for (const [firstOffset, offsetDelta, firstTimestamp, timestampDelta] of cases) {
      const bytes = encodeRecord({
        offsetDelta,
        timestampDelta,
        key: Buffer.from("BTCIRT"),
        value: Buffer.from('{"v":1}'),
      }).buffer;
      const decoder = new Decoder(bytes);
      decoder.readVarInt(); // the record's length
      const record = decodeRecord(decoder, { firstOffset, firstTimestamp, magicByte: 2 });
      expect(record.offset).toBe(String(BigInt(firstOffset) + BigInt(offsetDelta)));
      expect(record.timestamp).toBe(String(BigInt(firstTimestamp) + BigInt(timestampDelta)));
      expect(record.key.toString()).toBe("BTCIRT");
      expect(record.value.toString()).toBe('{"v":1}');
    }
  });

  test("varints and varlongs are written as the protocol defines them, Numbers, BigInts and strings alike", () => {
    for (const value of [0, 1, -1, 63, -64, 64, 300, -300, 2 ** 20, 2 ** 31 - 1, -(2 ** 31)])
      expect([...new Encoder().writeVarInt(value).buffer], String(value)).toEqual(varint(value));
    for (const value of VARLONGS) {
      const inputs: (number | bigint | string)[] = [value, String(value)];
      if (Number.isSafeInteger(Number(value))) inputs.push(Number(value));
      for (const input of inputs) {
        const written = new Encoder(1).writeVarLong(input).buffer;
        expect([...written], `${typeof input} ${value}`).toEqual(varlong(value));
        expect(Encoder.sizeOfVarLong(input), `size of ${typeof input} ${value}`).toBe(written.length);
      }
    }
  });

  test("varlongs read back to their value: a Number up to 7 bytes, a BigInt beyond", () => {
    for (const value of VARLONGS) {
      const bytes = Buffer.from([...varlong(value), 0x2a]);
      const decoder = new Decoder(bytes);
      const read = decoder.readVarLongValue();
      expect(BigInt(read), String(value)).toBe(value);
      expect(typeof read).toBe(varlong(value).length <= 7 ? "number" : "bigint");
      expect(new Decoder(bytes).readVarLong().value).toBe(value);
      expect(decoder.readVarInt(), "the next field is read from the right place").toBe(21);
    }
  });

  test("a record is the protocol's bytes, with string or Buffer keys and values alike", () => {
    const texts = ['{"v":1,"symbol":"BTCIRT"}', "", "تومان ₿", "x".repeat(300)];
    for (const [i, text] of texts.entries())
      for (const timestampDelta of [0, 1, -5, 59_999, 2 ** 40]) {
        const expected = expectedRecord(i, BigInt(timestampDelta), Buffer.from("BTCIRT"), Buffer.from(text));
        const asStrings = encodeRecord({ offsetDelta: i, timestampDelta, key: "BTCIRT", value: text });
        const asBuffers = encodeRecord({
          offsetDelta: i,
          timestampDelta,
          key: Buffer.from("BTCIRT"),
          value: Buffer.from(text),
        });
        expect(asStrings.buffer.equals(expected), `string ${i} ${timestampDelta}`).toBe(true);
        expect(asBuffers.buffer.equals(expected), `Buffer ${i} ${timestampDelta}`).toBe(true);
      }
    const tombstone = encodeRecord({ offsetDelta: 3, timestampDelta: 0, key: null, value: null });
    expect(tombstone.buffer.equals(expectedRecord(3, 0n, null, null))).toBe(true);
  });
});
