/**
 * Compression of what KafkaBus produces (`KAFKA_COMPRESSION`, default zstd).
 *
 * Why: kafkajs encodes produce requests in JavaScript, and its cost grows with the bytes — it copies
 * every request several times and computes CRC32C byte by byte over the record batch. With a
 * compressed batch those copies and the checksum cover a fraction of the bytes, and the compression
 * itself runs in native code off the JavaScript thread (Bun.zstdCompress is asynchronous), so the
 * processor keeps up better with a bare kafkajs passthrough and the sink's fetches carry more rows per
 * byte: measured in `bun run bench pipeline` (figures in processor/README.md, performance). The broker
 * stores and serves the batches as they are.
 *
 * kafkajs ships GZIP and leaves ZSTD to a registered codec: importing this module registers one, on
 * Bun's native zstd, for producing and for consuming (kafkajs looks codecs up when it decodes a
 * batch). Kafka's own tools read zstd natively (Kafka >= 2.1).
 */
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import type { KAFKA_COMPRESSIONS } from "../../core/config.ts";

export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** zstd level 1: higher levels cost more time per row for no smaller batches of these rows (`bun run bench pipeline`). */
const ZSTD_LEVEL = 1;

CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  // kafkajs hands its Encoder; `buffer` is the encoded records.
  compress: (encoder: { buffer: Buffer }) => Bun.zstdCompress(encoder.buffer, { level: ZSTD_LEVEL }),
  decompress: (buffer: Buffer) => Bun.zstdDecompress(buffer),
});

const TYPES: Record<KafkaCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  zstd: CompressionTypes.ZSTD,
};

export const kafkaCompressionType = (compression: KafkaCompression): CompressionTypes => TYPES[compression];
