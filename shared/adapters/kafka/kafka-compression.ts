/**
 * Compression of what KafkaBus produces (`KAFKA_COMPRESSION`, default zstd).
 *
 * Why: kafkajs encodes produce requests in JavaScript, and its cost grows with the bytes — it copies
 * every request several times and computes CRC32C byte by byte over the record batch. With a
 * compressed batch those copies and the checksum cover ~1/5 of the bytes, and the compression itself
 * runs in native code off the JavaScript thread (Bun.zstdCompress is asynchronous). On the pipeline
 * bench the processor went from 0.69 to 0.76 of a bare kafkajs passthrough with it at equal rounds
 * (processor/README.md, performance), and the sink's fetches carry ~5x more rows per byte. The broker
 * stores and serves the batches as they are.
 *
 * kafkajs ships GZIP and leaves ZSTD to a registered codec: importing this module registers one, on
 * Bun's native zstd, for producing and for consuming (kafkajs looks codecs up when it decodes a
 * batch). Kafka's own tools read zstd natively (Kafka >= 2.1).
 */
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import type { KAFKA_COMPRESSIONS } from "../../core/config.ts";

export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** zstd level 1: on recorded rows ~5x smaller at ~0.8 µs a row; level 3 was 1.7x slower for no gain here. */
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
