/**
 * Which of KafkaBus's producers a publish goes through. An idempotent kafkajs producer keeps one
 * request in flight per broker and encodes the next one only after the previous acknowledgement, so
 * with one producer the processor's concurrent partitions queued behind each other while the CPU
 * waited for the broker. Several producers let one partition's rows be encoded while another's are
 * at the broker (processor/README.md, performance).
 *
 * Order per key is what the Bus port promises, so a key is pinned to one lane: the first time a key
 * is seen it takes the next lane in turn (keys are symbols and changelog keys: a handful, so they
 * spread evenly, unlike a hash over few keys), and keeps it. A publish goes by its first message's
 * key. Sequential publishes are ordered whatever their lanes (each resolves on acknowledgement);
 * concurrent publishes of one key share a lane, as they shared the single producer before.
 */
export class ProducerLanes {
  private readonly byKey = new Map<string, number>();
  private next = 0;

  constructor(
    readonly count: number,
    /** Past this many keys the pinning starts over (only concurrent same-key publishes care). */
    private readonly maxKeys = 10_000,
  ) {
    if (!Number.isSafeInteger(count) || count < 1)
      throw new RangeError(`producer lanes must be >= 1, got ${count}`);
  }

  laneFor(key: string): number {
    if (this.count === 1) return 0;
    let lane = this.byKey.get(key);
    if (lane === undefined) {
      lane = this.next;
      this.next = (this.next + 1) % this.count;
      if (this.byKey.size >= this.maxKeys) this.byKey.clear();
      this.byKey.set(key, lane);
    }
    return lane;
  }
}
