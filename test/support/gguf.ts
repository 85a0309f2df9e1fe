/**
 * Minimal GGUF v3 writer for test fixtures.
 *
 * Supports the metadata value types test models need (uint32, int32,
 * float32, bool, string and arrays of strings/int32/float32) and F32, F16 and
 * Q8_0 tensors. Everything is little-endian; tensor data is aligned to
 * `general.alignment`. {@link encodeGguf} builds a file in memory;
 * {@link writeGgufFile} streams one whose tensors are too big for that.
 *
 * Format reference: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */

import { open } from "node:fs/promises";

/** A typed GGUF metadata value. Build them with {@link gguf}. */
export type GgufValue =
  | { readonly type: "uint32"; readonly value: number }
  | { readonly type: "int32"; readonly value: number }
  | { readonly type: "float32"; readonly value: number }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "stringArray"; readonly value: readonly string[] }
  | { readonly type: "int32Array"; readonly value: readonly number[] }
  | { readonly type: "float32Array"; readonly value: readonly number[] };

/** How a tensor is stored. Q8_0 rows must be a multiple of 32 values long. */
export type GgufTensorType = "f32" | "f16" | "q8_0";

/** A tensor. `dims` are innermost-first (ggml `ne` order): `dims[0]` is the row length. */
export interface GgufTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
  /** Default "f32". */
  readonly type?: GgufTensorType;
}

/** A tensor whose values are made row by row while the file is written. */
export interface GgufTensorSource {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: GgufTensorType;
  /** Fills `out` (one row, `dims[0]` values) with row `row`'s values. */
  readonly fillRow: (row: number, out: Float32Array) => void;
}

/** Contents of a GGUF file. Metadata keys keep their insertion order. */
export interface GgufContents {
  readonly metadata: ReadonlyMap<string, GgufValue> | Readonly<Record<string, GgufValue>>;
  readonly tensors: readonly GgufTensor[];
  /** Data alignment in bytes; written as `general.alignment`. Default 32. */
  readonly alignment?: number;
}

/** Constructors for {@link GgufValue}s. */
export const gguf = {
  uint32: (value: number): GgufValue => ({ type: "uint32", value }),
  int32: (value: number): GgufValue => ({ type: "int32", value }),
  float32: (value: number): GgufValue => ({ type: "float32", value }),
  bool: (value: boolean): GgufValue => ({ type: "bool", value }),
  string: (value: string): GgufValue => ({ type: "string", value }),
  stringArray: (value: readonly string[]): GgufValue => ({
    type: "stringArray",
    value,
  }),
  int32Array: (value: readonly number[]): GgufValue => ({
    type: "int32Array",
    value,
  }),
  float32Array: (value: readonly number[]): GgufValue => ({
    type: "float32Array",
    value,
  }),
} as const;

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;
/** ggml type ids. */
const GGML_TYPE = { f32: 0, f16: 1, q8_0: 8 } as const;
/** Q8_0: blocks of 32 values, each an f16 scale and 32 int8s. */
const Q8_0_BLOCK = 32;
const Q8_0_BLOCK_BYTES = 34;

/** GGUF metadata value type ids (gguf_type). */
const T = {
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
} as const;

/** Growable little-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.bytes(b);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.ensure(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeValue(w: ByteWriter, v: GgufValue): void {
  switch (v.type) {
    case "uint32":
      w.u32(T.uint32);
      w.u32(v.value);
      return;
    case "int32":
      w.u32(T.int32);
      w.i32(v.value);
      return;
    case "float32":
      w.u32(T.float32);
      w.f32(v.value);
      return;
    case "bool":
      w.u32(T.bool);
      w.u8(v.value ? 1 : 0);
      return;
    case "string":
      w.u32(T.string);
      w.str(v.value);
      return;
    case "stringArray":
      w.u32(T.array);
      w.u32(T.string);
      w.u64(v.value.length);
      for (const s of v.value) w.str(s);
      return;
    case "int32Array":
      w.u32(T.array);
      w.u32(T.int32);
      w.u64(v.value.length);
      for (const n of v.value) w.i32(n);
      return;
    case "float32Array":
      w.u32(T.array);
      w.u32(T.float32);
      w.u64(v.value.length);
      for (const n of v.value) w.f32(n);
      return;
  }
}

/** Bytes of one row of `length` values stored as `type`. */
function rowBytes(type: GgufTensorType, length: number): number {
  switch (type) {
    case "f32":
      return length * 4;
    case "f16":
      return length * 2;
    case "q8_0":
      if (length % Q8_0_BLOCK !== 0) throw new Error(`a Q8_0 row must be a multiple of 32 values (got ${length})`);
      return (length / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  }
}

/** The IEEE half-precision bits of `value` (round to nearest even). */
export function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = mantissa >>> 13;
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) {
    half += 1;
    if (half === 0x400) {
      half = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | half;
}

/** Encodes one row of values as `type` into `out` at `offset`; returns the offset after it. */
function encodeRow(type: GgufTensorType, row: Float32Array, out: DataView, offset: number): number {
  switch (type) {
    case "f32":
      for (let i = 0; i < row.length; i++) out.setFloat32(offset + i * 4, row[i] ?? 0, true);
      return offset + row.length * 4;
    case "f16":
      for (let i = 0; i < row.length; i++) out.setUint16(offset + i * 2, toHalf(row[i] ?? 0), true);
      return offset + row.length * 2;
    case "q8_0": {
      // As ggml's quantize_row_q8_0_ref: scale = max |x| / 127, values rounded to the nearest.
      let at = offset;
      for (let block = 0; block < row.length; block += Q8_0_BLOCK) {
        let max = 0;
        for (let i = 0; i < Q8_0_BLOCK; i++) max = Math.max(max, Math.abs(row[block + i] ?? 0));
        const scale = max / 127;
        const inverse = scale === 0 ? 0 : 1 / scale;
        out.setUint16(at, toHalf(scale), true);
        for (let i = 0; i < Q8_0_BLOCK; i++) out.setInt8(at + 2 + i, Math.round((row[block + i] ?? 0) * inverse));
        at += Q8_0_BLOCK_BYTES;
      }
      return at;
    }
  }
}

interface TensorInfo {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: GgufTensorType;
}

/** Bytes of a tensor's data (unpadded). */
function tensorBytes(t: TensorInfo): number {
  const [rowLength = 1, ...outer] = t.dims;
  return rowBytes(t.type, rowLength) * outer.reduce((a, b) => a * b, 1);
}

/** The header, metadata and tensor infos, padded to `alignment`: everything before the tensor data. */
function encodeHeader(
  metadata: GgufContents["metadata"],
  tensors: readonly TensorInfo[],
  alignment: number,
): Uint8Array {
  const entries = new Map<string, GgufValue>([["general.alignment", gguf.uint32(alignment)]]);
  const given: [string, GgufValue][] =
    metadata instanceof Map
      ? [...(metadata as ReadonlyMap<string, GgufValue>)]
      : Object.entries(metadata as Record<string, GgufValue>);
  for (const [key, value] of given) entries.set(key, value);
  if (entries.get("general.alignment")?.value !== alignment) {
    throw new Error("general.alignment metadata must match contents.alignment");
  }

  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(entries.size);
  for (const [key, value] of entries) {
    w.str(key);
    writeValue(w, value);
  }

  let offset = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE[t.type]);
    w.u64(offset);
    offset += Math.ceil(tensorBytes(t) / alignment) * alignment;
  }
  w.padTo(alignment);
  return w.result();
}

/**
 * Serialises a GGUF v3 file. `general.alignment` is always written (first
 * among the metadata unless the caller supplies it) and every tensor's data
 * starts on an aligned offset.
 */
export function encodeGguf(contents: GgufContents): Uint8Array {
  const alignment = contents.alignment ?? 32;
  const infos = contents.tensors.map((t) => {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) {
      throw new Error(`tensor ${t.name}: dims ${t.dims.join("x")} != ${t.data.length} values`);
    }
    return { name: t.name, dims: t.dims, type: t.type ?? "f32" };
  });
  const header = encodeHeader(contents.metadata, infos, alignment);
  const padded = (t: TensorInfo) => Math.ceil(tensorBytes(t) / alignment) * alignment;
  const out = new Uint8Array(header.length + infos.reduce((sum, t) => sum + padded(t), 0));
  out.set(header);
  const view = new DataView(out.buffer);
  let offset = header.length;
  for (const [index, t] of contents.tensors.entries()) {
    const info = infos[index] as TensorInfo;
    const rowLength = t.dims[0] ?? 1;
    let at = offset;
    for (let start = 0; start < t.data.length; start += rowLength) {
      at = encodeRow(info.type, t.data.subarray(start, start + rowLength), view, at);
    }
    offset += padded(info);
  }
  return out;
}

/** The size in bytes of the file {@link writeGgufFile} writes for these contents. */
export function ggufFileSize(
  metadata: GgufContents["metadata"],
  tensors: readonly TensorInfo[],
  alignment = 32,
): number {
  const header = encodeHeader(metadata, tensors, alignment);
  return header.length + tensors.reduce((sum, t) => sum + Math.ceil(tensorBytes(t) / alignment) * alignment, 0);
}

/**
 * Writes a GGUF v3 file to `path` tensor by tensor, making each tensor's values row by row, so a model of
 * hundreds of megabytes never has to be held in memory as floats.
 */
export async function writeGgufFile(
  path: string,
  contents: { metadata: GgufContents["metadata"]; tensors: readonly GgufTensorSource[]; alignment?: number },
): Promise<void> {
  const alignment = contents.alignment ?? 32;
  const file = await open(path, "w");
  try {
    await file.write(encodeHeader(contents.metadata, contents.tensors, alignment));
    for (const t of contents.tensors) {
      const [rowLength = 1, ...outer] = t.dims;
      const rows = outer.reduce((a, b) => a * b, 1);
      const bytes = tensorBytes(t);
      const out = new Uint8Array(Math.ceil(bytes / alignment) * alignment);
      const view = new DataView(out.buffer);
      const row = new Float32Array(rowLength);
      let at = 0;
      for (let r = 0; r < rows; r++) {
        t.fillRow(r, row);
        at = encodeRow(t.type, row, view, at);
      }
      await file.write(out);
    }
  } finally {
    await file.close();
  }
}
