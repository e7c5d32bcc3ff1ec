/**
 * Binary record keys: topic id (u32) | partition (u32) | offset (u64), all
 * big-endian, so LMDB's byte order is offset order within a partition.
 */
export const RECORD_KEY_BYTES = 16;

export function recordKey(topicId: number, partition: number, offset: number): Buffer {
  const key = Buffer.allocUnsafe(RECORD_KEY_BYTES);
  key.writeUInt32BE(topicId, 0);
  key.writeUInt32BE(partition, 4);
  key.writeUInt32BE(Math.floor(offset / 0x1_0000_0000), 8);
  key.writeUInt32BE(offset >>> 0, 12);
  return key;
}

export function offsetOfKey(key: Uint8Array): number {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return view.getUint32(8) * 0x1_0000_0000 + view.getUint32(12);
}

/** The first key of a partition's range and the key just past its end. */
export function partitionRange(topicId: number, partition: number): { start: Buffer; end: Buffer } {
  const start = Buffer.alloc(RECORD_KEY_BYTES);
  start.writeUInt32BE(topicId, 0);
  start.writeUInt32BE(partition, 4);
  const end = Buffer.alloc(RECORD_KEY_BYTES);
  end.writeUInt32BE(topicId, 0);
  end.writeUInt32BE(partition + 1, 4);
  return { start, end };
}

/** A meta key: an ordered-binary array. */
export type MetaKey = (string | number)[];

/** Meta keys. */
export const metaKeys = {
  topic: (name: string): MetaKey => ["topic", name],
  nextTopicId: ["next-topic-id"] ,
  producer: (producerId: string, topicId: number, partition: number): MetaKey => ["producer", producerId, topicId, partition],
  group: (topicId: number, group: string): MetaKey => ["group", topicId, group],
  groupOffset: (topicId: number, group: string, partition: number): MetaKey => ["offset", topicId, group, partition],
  deletedTopic: (topicId: number): MetaKey => ["deleted-topic", topicId],
};
