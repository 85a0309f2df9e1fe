/**
 * Minimal GGUF v3 writer for test fixtures.
 *
 * Supports the metadata value types tiny test models need (uint32, int32,
 * float32, bool, string and arrays of strings/int32/float32) and F32 tensors.
 * Everything is little-endian; tensor data is aligned to `general.alignment`.
 *
 * Format reference: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */

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

/** An F32 tensor. `dims` are innermost-first (ggml `ne` order): `dims[0]` is the row length. */
export interface GgufTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
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
const GGML_TYPE_F32 = 0;

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
  f32s(data: Float32Array): void {
    this.ensure(data.length * 4);
    for (let i = 0; i < data.length; i++) this.view.setFloat32(this.length + i * 4, data[i] ?? 0, true);
    this.length += data.length * 4;
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

/**
 * Serialises a GGUF v3 file. `general.alignment` is always written (first
 * among the metadata unless the caller supplies it) and every tensor's data
 * starts on an aligned offset.
 */
export function encodeGguf(contents: GgufContents): Uint8Array {
  const alignment = contents.alignment ?? 32;
  const entries = new Map<string, GgufValue>([["general.alignment", gguf.uint32(alignment)]]);
  const given: [string, GgufValue][] =
    contents.metadata instanceof Map
      ? [...(contents.metadata as ReadonlyMap<string, GgufValue>)]
      : Object.entries(contents.metadata as Record<string, GgufValue>);
  for (const [key, value] of given) entries.set(key, value);
  if (entries.get("general.alignment")?.value !== alignment) {
    throw new Error("general.alignment metadata must match contents.alignment");
  }

  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(contents.tensors.length);
  w.u64(entries.size);
  for (const [key, value] of entries) {
    w.str(key);
    writeValue(w, value);
  }

  let offset = 0;
  for (const t of contents.tensors) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) {
      throw new Error(`tensor ${t.name}: dims ${t.dims.join("x")} != ${t.data.length} values`);
    }
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += Math.ceil((elements * 4) / alignment) * alignment;
  }

  w.padTo(alignment);
  for (const t of contents.tensors) {
    w.f32s(t.data);
    w.padTo(alignment);
  }
  return w.result();
}
