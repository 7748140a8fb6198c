import type { ColumnChunk, Encoding, RowGroup, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { glError } from '../errors.js';
import type { ColumnSpec, LakeSchema } from './lake-schemas.js';

/**
 * The sink's Parquet encoder for the flat lake schemas. It writes the same
 * bytes as hyparquet-writer 0.17 does for our columns (`parquetWriteBuffer`
 * with the options of parquet-codec.ts: the same dictionary decision, page
 * layout, statistics and footer; the footer itself is hyparquet-writer's own
 * `writeMetadata`), proven byte for byte in test/unit/lake/parquet-encoder.test.ts.
 * It differs only in how: the values come straight from the column buffers
 * (Float64Array, NaN for null; string arrays) instead of generic arrays, and
 * INT64 columns are delta-packed with Number arithmetic instead of a BigInt per
 * value. That made encoding about 5× cheaper, the largest share of the sink's CPU.
 *
 * Returns undefined for what it does not cover (a column chunk that needs more
 * than one page, an INT64 value beyond ±2^51); the caller then uses hyparquet-writer.
 */
export interface LakeColumns {
  readonly length: number;
  /** per schema column: the values of number-like columns (NaN = null), undefined for strings */
  readonly numbers: readonly (Float64Array | undefined)[];
  /** per schema column: the values of string columns, undefined for the others */
  readonly strings: readonly (readonly (string | null)[] | undefined)[];
}

export interface LakeFileOptions {
  readonly rowGroupSize: number;
  readonly kvMetadata: readonly { key: string; value: string }[];
  readonly schema: SchemaElement[];
}

/** hyparquet-writer's defaults, which the files have always had. */
const PAGE_SIZE = 1048576;
const CREATED_BY = 'hyparquet';
const PAR1 = 0x31524150;
/** INT64 values handled with Number arithmetic: deltas and zigzag stay exact below 2^53 */
const INT64_SAFE = 2 ** 51;
const SAMPLE_SIZE = 1000;
const SAMPLE_REJECTION_RATIO = 0.9;

/** A growable byte buffer for page bodies, reused between pages. */
class PageBytes {
  buf = Buffer.allocUnsafe(64 * 1024);
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  n = 0;

  reset(): void {
    this.n = 0;
  }

  ensure(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + extra));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.n++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.n, v, true);
    this.n += 4;
  }

  /** unsigned varint of a non-negative integer below 2^53 */
  varint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) + 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
  }

  /** zigzag varint of an integer of magnitude at most 2^52 */
  zigzag(v: number): void {
    this.varint(v < 0 ? -v * 2 - 1 : v * 2);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }
}

const page = new PageBytes();
const levels = new PageBytes();
const dictionaryPage = new PageBytes();
let scratchIndexes = new Int32Array(1024);
let scratchLevels = new Uint8Array(1024);
let scratchNumbers = new Float64Array(1024);

function indexesFor(n: number): Int32Array {
  if (scratchIndexes.length < n) scratchIndexes = new Int32Array(Math.max(n, scratchIndexes.length * 2));
  return scratchIndexes;
}

function levelsFor(n: number): Uint8Array {
  if (scratchLevels.length < n) scratchLevels = new Uint8Array(Math.max(n, scratchLevels.length * 2));
  return scratchLevels;
}

function numbersFor(n: number): Float64Array {
  if (scratchNumbers.length < n) scratchNumbers = new Float64Array(Math.max(n, scratchNumbers.length * 2));
  return scratchNumbers;
}

/** Thrown inside the encoder for input it leaves to hyparquet-writer. */
class Unsupported extends Error {}

/** RLE / bit-packed hybrid exactly as hyparquet-writer's `writeRleBitPackedHybrid`. */
function rleHybrid(out: PageBytes, values: ArrayLike<number>, count: number, bitWidth: number): void {
  let pendingGroups = 0;
  let bitPackedStart = 0;
  let i = 0;
  while (i < count) {
    const first = values[i]!;
    let run = 1;
    while (i + run < count && values[i + run] === first) run++;
    if (run >= 8) {
      if (pendingGroups) {
        bitPacked(out, values, count, bitPackedStart, pendingGroups, bitWidth);
        pendingGroups = 0;
      }
      out.varint(run * 2);
      const width = (bitWidth + 7) >> 3;
      for (let j = 0; j < width; j++) out.u8((first >> (j << 3)) & 0xff);
      i += run;
    } else {
      if (pendingGroups === 0) bitPackedStart = i;
      pendingGroups++;
      i += 8;
    }
  }
  if (pendingGroups) bitPacked(out, values, count, bitPackedStart, pendingGroups, bitWidth);
}

function bitPacked(
  out: PageBytes,
  values: ArrayLike<number>,
  count: number,
  start: number,
  groups: number,
  bitWidth: number,
): void {
  out.varint(groups * 2 + 1);
  if (bitWidth === 0) return;
  out.ensure(groups * bitWidth + 1);
  const buf = out.buf;
  let n = out.n;
  const mask = (1 << bitWidth) - 1;
  let buffer = 0;
  let bitsUsed = 0;
  const end = start + groups * 8;
  for (let idx = start; idx < end; idx++) {
    const v = idx < count ? values[idx]! & mask : 0;
    buffer |= v << bitsUsed;
    bitsUsed += bitWidth;
    while (bitsUsed >= 8) {
      buf[n++] = buffer & 0xff;
      buffer >>>= 8;
      bitsUsed -= 8;
    }
  }
  if (bitsUsed > 0) buf[n++] = buffer & 0xff;
  out.n = n;
}

/** Bits needed for a non-negative integer below 2^53. */
function bitWidth53(v: number): number {
  if (v === 0) return 0;
  if (v < 4294967296) return 32 - Math.clz32(v);
  return 64 - Math.clz32(Math.floor(v / 4294967296));
}

/**
 * DELTA_BINARY_PACKED of integers within ±2^51, the same bytes as
 * hyparquet-writer's BigInt path for INT64 (block 128, 4 miniblocks of 32).
 */
function deltaBinaryPacked(out: PageBytes, values: Float64Array, count: number): void {
  out.varint(128);
  out.varint(4);
  out.varint(count);
  if (count === 0) {
    out.varint(0);
    return;
  }
  out.zigzag(values[0]!);
  const deltas = blockDeltas;
  const widths = blockWidths;
  let index = 1;
  while (index < count) {
    const blockEnd = Math.min(index + 128, count);
    const blockSize = blockEnd - index;
    let minDelta = 0;
    for (let i = 0; i < blockSize; i++) {
      const d = values[index + i]! - values[index + i - 1]!;
      deltas[i] = d;
      if (i === 0 || d < minDelta) minDelta = d;
    }
    out.zigzag(minDelta);
    for (let mb = 0; mb < 4; mb++) {
      const mbStart = mb * 32;
      const mbEnd = Math.min(mbStart + 32, blockSize);
      let max = 0;
      for (let i = mbStart; i < mbEnd; i++) {
        const a = deltas[i]! - minDelta;
        if (a > max) max = a;
      }
      widths[mb] = bitWidth53(max);
    }
    out.ensure(4);
    for (let mb = 0; mb < 4; mb++) out.buf[out.n++] = widths[mb]!;
    for (let mb = 0; mb < 4; mb++) {
      const width = widths[mb]!;
      if (width === 0) continue;
      const mbStart = mb * 32;
      const mbEnd = Math.min(mbStart + 32, blockSize);
      out.ensure(width * 4);
      packMiniblock(out, deltas, mbStart, mbEnd, minDelta, width);
    }
    index = blockEnd;
  }
}

const blockDeltas = new Float64Array(128);
const blockWidths = new Uint8Array(4);

/** Packs 32 values (the missing ones as 0) of `width` bits, least significant bit first. */
function packMiniblock(
  out: PageBytes,
  deltas: Float64Array,
  start: number,
  end: number,
  minDelta: number,
  width: number,
): void {
  const buf = out.buf;
  let n = out.n;
  let buffer = 0;
  let bitsUsed = 0;
  for (let i = 0; i < 32; i++) {
    let v = start + i < end ? deltas[start + i]! - minDelta : 0;
    // Feed the value in chunks of at most 24 bits, so the 32-bit operations stay exact.
    let bits = width;
    while (bits > 0) {
      const take = bits > 24 ? 24 : bits;
      const part = take === bits ? v : v % 16777216;
      buffer |= part << bitsUsed;
      bitsUsed += take;
      while (bitsUsed >= 8) {
        buf[n++] = buffer & 0xff;
        buffer >>>= 8;
        bitsUsed -= 8;
      }
      v = (v - part) / 16777216;
      bits -= take;
    }
  }
  out.n = n;
}

/** Strings ordered as their UTF-8 bytes (code points), as hyparquet-writer's statistics order them. */
function compareStrings(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  let i = 0;
  while (i < length && left.charCodeAt(i) === right.charCodeAt(i)) i++;
  if (i > 0) {
    const prev = left.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) i--;
  }
  while (i < left.length && i < right.length) {
    const a = codePointAt(left, i);
    const b = codePointAt(right, i);
    if (a !== b) return a - b;
    i += a > 0xffff ? 2 : 1;
  }
  return left.length - right.length;
}

function codePointAt(str: string, i: number): number {
  const code = str.codePointAt(i) ?? 0xfffd;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}

interface Statistics {
  min_value: number | string | undefined;
  max_value: number | string | undefined;
  null_count: bigint;
  nan_count: bigint | undefined;
}

/** What one column chunk's values became: an encoding and its page body (in `page`). */
interface Encoded {
  encoding: Encoding;
  /** dictionary page body, when dictionary-encoded */
  dictionary: Uint8Array | undefined;
  dictionaryLength: number;
  /** estimated value bytes, as hyparquet-writer sizes pages */
  pageEstimate: number;
  min: number | string | undefined;
  max: number | string | undefined;
}

/**
 * hyparquet-writer's dictionary decision (`useDictionary`): a sample of up to
 * 1000 values spread over the chunk rejects mostly-distinct columns; otherwise
 * the dictionary is built and kept when it at least halves the PLAIN bytes.
 * Sizes are its estimates (4 or 8 bytes; a string's UTF-16 length).
 */
function sampleRejects(
  value: (i: number) => number | string | null,
  n: number,
  size: (v: number | string) => number,
): boolean {
  const sampleSize = Math.min(n, SAMPLE_SIZE);
  const seen = new Set<number | string | null>();
  let dictionary = 0;
  let total = 0;
  for (let i = 0; i < sampleSize; i++) {
    const at = sampleSize === 1 ? 0 : Math.floor((i * (n - 1)) / (sampleSize - 1));
    const v = value(at);
    const s = v === null ? 0 : size(v);
    if (!seen.has(v)) {
      seen.add(v);
      dictionary += s;
    }
    total += s;
  }
  return !total || dictionary / total > SAMPLE_REJECTION_RATIO;
}

/** Encodes a number column's non-null values (PLAIN, dictionary or delta) into `page`. */
function encodeNumbers(
  spec: ColumnSpec,
  element: SchemaElement,
  src: Float64Array,
  start: number,
  n: number,
  nonNull: number,
): Encoded {
  const compact = numbersFor(nonNull);
  let k = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i < start + n; i++) {
    const v = src[i]!;
    if (Number.isNaN(v)) continue;
    compact[k++] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // Statistics as hyparquet-writer's getStatistics: first of equal extremes, then signed zeros normalised.
  const minOut = nonNull === 0 ? undefined : min === 0 ? -0 : min;
  const maxOut = nonNull === 0 ? undefined : max === 0 ? 0 : max;
  const int32 = element.type === 'INT32';
  if (int32)
    for (let i = 0; i < nonNull; i++) {
      const v = compact[i]!;
      if (!Number.isSafeInteger(v) || v < -2147483648 || v > 2147483647)
        throw glError('GL_LAKE_RECORD_INVALID', `parquet expected int32 value, got ${v} (column ${spec.column})`, {
          context: { column: spec.column, value: v },
        });
    }
  page.reset();
  if (element.type === 'INT64') {
    // Timestamps and offsets are written delta-packed (parquet-codec.ts), never from a dictionary.
    if (spec.kind !== 'timestamp' && spec.column !== 'kafka_offset') throw new Unsupported();
    for (let i = 0; i < nonNull; i++) {
      const v = compact[i]!;
      if (!(v >= -INT64_SAFE && v <= INT64_SAFE) || !Number.isInteger(v)) throw new Unsupported();
    }
    deltaBinaryPacked(page, compact, nonNull);
    return {
      encoding: 'DELTA_BINARY_PACKED',
      dictionary: undefined,
      dictionaryLength: 0,
      pageEstimate: nonNull * 8,
      min: minOut,
      max: maxOut,
    };
  }
  const width = int32 ? 4 : 8;
  // The sample walks the chunk's values with nulls in place, as the writer sees them.
  const rejected = sampleRejects(
    (i) => {
      const v = src[start + i]!;
      return Number.isNaN(v) ? null : v;
    },
    n,
    () => width,
  );
  if (!rejected) {
    const indexes = indexesFor(nonNull);
    const index = new Map<number, number>();
    const dict: number[] = [];
    let prev = NaN;
    let prevIndex = -1;
    for (let i = 0; i < nonNull; i++) {
      const v = compact[i]!;
      // Map keys treat -0 as 0 (as `===` does): a -0 shares the index of a 0 seen first, as in the writer.
      if (v === prev) {
        indexes[i] = prevIndex;
        continue;
      }
      let at = index.get(v);
      if (at === undefined) {
        at = dict.length;
        dict.push(v);
        index.set(v, at);
      }
      indexes[i] = at;
      prev = v;
      prevIndex = at;
    }
    if (dictionaryPays(dict.length * width, dict.length, nonNull, nonNull * width)) {
      const d = new Uint8Array(dict.length * width);
      const view = new DataView(d.buffer);
      for (let i = 0; i < dict.length; i++)
        if (int32) view.setInt32(i * 4, dict[i]!, true);
        else view.setFloat64(i * 8, dict[i]!, true);
      return dictionaryEncoded(d, dict.length, indexes, nonNull, minOut, maxOut);
    }
  }
  page.ensure(nonNull * width);
  if (int32) for (let i = 0; i < nonNull; i++) page.view.setInt32(page.n + i * 4, compact[i]!, true);
  else for (let i = 0; i < nonNull; i++) page.view.setFloat64(page.n + i * 8, compact[i]!, true);
  page.n += nonNull * width;
  return {
    encoding: 'PLAIN',
    dictionary: undefined,
    dictionaryLength: 0,
    pageEstimate: nonNull * width,
    min: minOut,
    max: maxOut,
  };
}

/**
 * Whether a dictionary pays: its values and the bit-packed indexes take at
 * most half the bytes of the PLAIN values. Once per column chunk.
 */
function dictionaryPays(dictionaryBytes: number, distinct: number, nonNull: number, plainBytes: number): boolean {
  const bits = Math.ceil(Math.log2(distinct));
  const indexSize = Math.ceil((nonNull * bits) / 8);
  return 2 * (dictionaryBytes + indexSize) <= plainBytes;
}

/** A dictionary-encoded chunk: the indexes go to `page`, the dictionary body is given. */
function dictionaryEncoded(
  dictionary: Uint8Array,
  distinct: number,
  indexes: Int32Array,
  nonNull: number,
  min: number | string | undefined,
  max: number | string | undefined,
): Encoded {
  writeIndexes(indexes, nonNull);
  return { encoding: 'RLE_DICTIONARY', dictionary, dictionaryLength: distinct, pageEstimate: nonNull * 4, min, max };
}

/** Dictionary indexes as a data page body: bit width, then the RLE / bit-packed hybrid. */
function writeIndexes(indexes: Int32Array, count: number): void {
  let maxValue = 0;
  for (let i = 0; i < count; i++) if (indexes[i]! > maxValue) maxValue = indexes[i]!;
  const bits = Math.ceil(Math.log2(maxValue + 1));
  page.u8(bits);
  rleHybrid(page, indexes, count, bits);
}

/** Encodes a string column's non-null values (dictionary or PLAIN) into `page`. */
function encodeStrings(src: readonly (string | null)[], start: number, n: number, nonNull: number): Encoded {
  page.reset();
  const rejected = sampleRejects(
    (i) => src[start + i] ?? null,
    n,
    (v) => (v as string).length + 4,
  );
  if (!rejected) {
    const indexes = indexesFor(nonNull);
    const index = new Map<string, number>();
    const dict: string[] = [];
    let prev: string | undefined;
    let prevIndex = -1;
    let total = 0;
    let dictSize = 0;
    let k = 0;
    for (let i = start; i < start + n; i++) {
      const v = src[i];
      if (v === null || v === undefined) continue;
      total += v.length;
      if (v === prev) {
        indexes[k++] = prevIndex;
        continue;
      }
      let at = index.get(v);
      if (at === undefined) {
        at = dict.length;
        dict.push(v);
        index.set(v, at);
        dictSize += v.length;
      }
      indexes[k++] = at;
      prev = v;
      prevIndex = at;
    }
    if (dictionaryPays(dictSize + dict.length * 4, dict.length, nonNull, total + nonNull * 4)) {
      let min: string | undefined;
      let max: string | undefined;
      for (const s of dict) {
        if (min === undefined || compareStrings(s, min) < 0) min = s;
        if (max === undefined || compareStrings(s, max) > 0) max = s;
      }
      dictionaryPage.reset();
      for (const s of dict) plainString(dictionaryPage, s);
      return dictionaryEncoded(dictionaryPage.bytes(), dict.length, indexes, nonNull, min, max);
    }
  }
  let min: string | undefined;
  let max: string | undefined;
  let estimate = 0;
  for (let i = start; i < start + n; i++) {
    const v = src[i];
    if (v === null || v === undefined) continue;
    if (min === undefined || compareStrings(v, min) < 0) min = v;
    if (max === undefined || compareStrings(v, max) > 0) max = v;
    estimate += plainString(page, v);
  }
  return { encoding: 'PLAIN', dictionary: undefined, dictionaryLength: 0, pageEstimate: estimate, min, max };
}

/** A PLAIN byte array: 4-byte length, UTF-8 bytes (lone surrogates as U+FFFD, like TextEncoder); returns the bytes. */
function plainString(out: PageBytes, s: string): number {
  out.ensure(4 + s.length * 3);
  const written = out.buf.write(s, out.n + 4, 'utf8');
  out.view.setUint32(out.n, written, true);
  out.n += 4 + written;
  return written;
}

/** Writes one column chunk (dictionary page, one DATA_PAGE_V2) and returns its metadata. */
function writeChunk(
  writer: ByteWriter,
  spec: ColumnSpec,
  element: SchemaElement,
  columns: LakeColumns,
  slot: number,
  start: number,
  n: number,
): ColumnChunk {
  const nums = columns.numbers[slot];
  const strs = columns.strings[slot];
  const nullable = element.repetition_type === 'OPTIONAL';
  // Definition levels (1 = value, 0 = null) and the null count.
  const defs = levelsFor(n);
  let nulls = 0;
  if (nums !== undefined)
    for (let i = 0; i < n; i++) {
      const isNull = Number.isNaN(nums[start + i]!);
      defs[i] = isNull ? 0 : 1;
      if (isNull) nulls++;
    }
  else
    for (let i = 0; i < n; i++) {
      const v = strs![start + i];
      const isNull = v === null || v === undefined;
      defs[i] = isNull ? 0 : 1;
      if (isNull) nulls++;
    }
  if (nulls > 0 && !nullable)
    throw glError('GL_LAKE_RECORD_INVALID', `parquet required value is undefined (column ${spec.column})`, {
      context: { column: spec.column, nulls },
    });
  const nonNull = n - nulls;
  const encoded =
    nums !== undefined
      ? encodeNumbers(spec, element, nums, start, n, nonNull)
      : encodeStrings(strs!, start, n, nonNull);
  if (encoded.pageEstimate >= PAGE_SIZE && n > 1) throw new Unsupported();

  const offsetStart = writer.offset;
  let uncompressedSize = 0;
  let dictionaryPageOffset: bigint | undefined;
  if (encoded.dictionary !== undefined) {
    dictionaryPageOffset = BigInt(writer.offset);
    const compressed = snappyCompress(encoded.dictionary);
    const headerStart = writer.offset;
    writePageHeader(writer, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: encoded.dictionary.byteLength,
      compressed_page_size: compressed.byteLength,
      dictionary_page_header: { num_values: encoded.dictionaryLength, encoding: 'PLAIN' },
    });
    uncompressedSize += writer.offset - headerStart + encoded.dictionary.byteLength;
    writer.appendBytes(compressed);
  }

  levels.reset();
  if (nullable) rleHybrid(levels, defs, n, 1);
  const body = page.bytes();
  const compressed = snappyCompress(body);
  const dataPageOffset = BigInt(writer.offset);
  const headerStart = writer.offset;
  writePageHeader(writer, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: levels.n + body.length,
    compressed_page_size: levels.n + compressed.length,
    data_page_header_v2: {
      num_values: n,
      num_nulls: nulls,
      num_rows: n,
      encoding: encoded.encoding,
      definition_levels_byte_length: levels.n,
      repetition_levels_byte_length: 0,
      is_compressed: true,
    },
  });
  uncompressedSize += writer.offset - headerStart + levels.n + body.length;
  writer.appendBytes(levels.bytes());
  writer.appendBytes(compressed);

  const statistics: Statistics = {
    min_value: encoded.min,
    max_value: encoded.max,
    null_count: BigInt(nulls),
    nan_count: element.type === 'DOUBLE' ? 0n : undefined,
  };
  const dictionary = encoded.dictionary !== undefined;
  return {
    meta_data: {
      type: element.type!,
      encodings: dictionary ? ['PLAIN', 'RLE_DICTIONARY'] : [encoded.encoding],
      path_in_schema: [element.name],
      codec: 'SNAPPY',
      num_values: BigInt(n),
      total_compressed_size: BigInt(writer.offset - offsetStart),
      total_uncompressed_size: BigInt(uncompressedSize),
      data_page_offset: dataPageOffset,
      dictionary_page_offset: dictionaryPageOffset,
      statistics: statistics as NonNullable<ColumnChunk['meta_data']>['statistics'],
      encoding_stats: [
        ...(dictionary ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }] : []),
        { page_type: 'DATA_PAGE_V2' as const, encoding: encoded.encoding, count: 1 },
      ],
      geospatial_statistics: undefined,
    },
    file_offset: BigInt(offsetStart),
  } as ColumnChunk;
}

/** One snappy Parquet file of the columns, or undefined when hyparquet-writer must write it. */
export function encodeLakeFile(
  schema: LakeSchema,
  columns: LakeColumns,
  options: LakeFileOptions,
): Uint8Array | undefined {
  const elements = options.schema.slice(1);
  const total = columns.length;
  const writer = new ByteWriter(Math.max(1024, total * 16));
  writer.appendUint32(PAR1);
  const rowGroups: RowGroup[] = [];
  try {
    for (let start = 0; start < total; start += options.rowGroupSize) {
      const n = Math.min(options.rowGroupSize, total - start);
      const groupStart = writer.offset;
      const chunks: ColumnChunk[] = [];
      let uncompressed = 0n;
      for (let c = 0; c < schema.columns.length; c++) {
        const chunk = writeChunk(writer, schema.columns[c]!, elements[c]!, columns, c, start, n);
        uncompressed += chunk.meta_data!.total_uncompressed_size;
        chunks.push(chunk);
      }
      rowGroups.push({
        columns: chunks,
        total_byte_size: uncompressed,
        num_rows: BigInt(n),
        total_compressed_size: BigInt(writer.offset - groupStart),
      });
    }
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  writeMetadata(writer, {
    version: 2,
    created_by: CREATED_BY,
    schema: options.schema,
    num_rows: BigInt(total),
    row_groups: rowGroups,
    key_value_metadata: [...options.kvMetadata],
  } as Parameters<typeof writeMetadata>[1]);
  writer.appendUint32(PAR1);
  return new Uint8Array(writer.getBuffer());
}
