import { crc32 } from 'node:zlib';

/**
 * Framing of one record in a local-log segment:
 *
 *   u32 bodyLength | u32 crc32(body) | body
 *   body = i64 offset | i64 timestamp | i32 keyLength (-1 = null) | key | value
 *
 * The checksum covers the whole body, so a torn or bit-flipped tail is found on
 * recovery and cut off.
 */
export const FRAME_HEADER_BYTES = 8;
const BODY_FIXED_BYTES = 20;
/** Records larger than this are treated as damage, not data. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface DecodedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: Buffer;
  /** bytes the frame occupies */
  readonly size: number;
}

/** Encodes one record as a frame. */
export function encodeRecord(offset: number, timestamp: number, key: string | null, value: Buffer): Buffer {
  const keyBytes = key === null ? null : Buffer.from(key, 'utf8');
  const bodyLength = BODY_FIXED_BYTES + (keyBytes?.length ?? 0) + value.length;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyLength);
  frame.writeUInt32BE(bodyLength, 0);
  frame.writeBigInt64BE(BigInt(offset), 8);
  frame.writeBigInt64BE(BigInt(timestamp), 16);
  frame.writeInt32BE(keyBytes === null ? -1 : keyBytes.length, 24);
  let pos = 28;
  if (keyBytes !== null) pos += keyBytes.copy(frame, pos);
  value.copy(frame, pos);
  frame.writeUInt32BE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  return frame;
}

export type DecodeOutcome =
  | { readonly kind: 'record'; readonly record: DecodedRecord }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'damaged'; readonly reason: string };

/** Decodes the frame starting at `pos`; `incomplete` when the buffer ends inside it. */
export function decodeRecord(buf: Buffer, pos: number): DecodeOutcome {
  if (buf.length - pos < FRAME_HEADER_BYTES) return { kind: 'incomplete' };
  const bodyLength = buf.readUInt32BE(pos);
  if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_BODY_BYTES)
    return { kind: 'damaged', reason: `bad frame length ${bodyLength}` };
  const end = pos + FRAME_HEADER_BYTES + bodyLength;
  if (end > buf.length) return { kind: 'incomplete' };
  const body = buf.subarray(pos + FRAME_HEADER_BYTES, end);
  if (crc32(body) !== buf.readUInt32BE(pos + 4)) return { kind: 'damaged', reason: 'checksum mismatch' };
  const offset = Number(body.readBigInt64BE(0));
  const timestamp = Number(body.readBigInt64BE(8));
  const keyLength = body.readInt32BE(16);
  if (keyLength < -1 || BODY_FIXED_BYTES + Math.max(keyLength, 0) > bodyLength)
    return { kind: 'damaged', reason: 'bad key length' };
  const key = keyLength === -1 ? null : body.toString('utf8', BODY_FIXED_BYTES, BODY_FIXED_BYTES + keyLength);
  const value = Buffer.from(body.subarray(BODY_FIXED_BYTES + Math.max(keyLength, 0)));
  return { kind: 'record', record: { offset, timestamp, key, value, size: FRAME_HEADER_BYTES + bodyLength } };
}
