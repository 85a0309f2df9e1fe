import { describe, expect, it } from "vitest";
import { encodeGguf, ggufFileSize, toHalf } from "../support/gguf.js";

describe("toHalf", () => {
  it.each([
    [1, 0x3c00],
    [0.5, 0x3800],
    [-2, 0xc000],
    [65504, 0x7bff],
    [1 / 3, 0x3555],
    [2 ** -24, 0x0001], // the smallest subnormal
    [1e-9, 0x0000],
    [1e6, 0x7c00],
    [Infinity, 0x7c00],
  ])("%d is 0x%s in half precision", (value, bits) => {
    expect(toHalf(value)).toBe(bits);
  });
});

describe("encodeGguf tensor types", () => {
  const contents = (type: "f32" | "f16" | "q8_0") => ({
    metadata: {},
    tensors: [{ name: "t", dims: [32, 2], type, data: Float32Array.from({ length: 64 }, (_, i) => (i - 16) / 8) }],
  });

  it("stores Q8_0 as ggml does: per block of 32, an f16 scale (max |x| / 127), then 32 rounded int8s", () => {
    const bytes = encodeGguf(contents("q8_0"));
    // Two blocks of 34 bytes, padded to 32: 96 bytes of data at the end of the file.
    expect(bytes.length).toBe(ggufFileSize({}, [{ name: "t", dims: [32, 2], type: "q8_0" }]));
    const data = new DataView(bytes.buffer, bytes.length - 96);
    // Block 1: -2 .. 1.875, max 2, scale 2/127.
    expect(data.getUint16(0, true)).toBe(toHalf(2 / 127));
    expect(data.getInt8(2)).toBe(-127);
    expect(data.getInt8(2 + 16)).toBe(0);
    expect(data.getInt8(2 + 31)).toBe(Math.round((15 / 8) * (127 / 2)));
    // Block 2: 2 .. 5.875, max 5.875.
    expect(data.getUint16(34, true)).toBe(toHalf(5.875 / 127));
    expect(data.getInt8(34 + 2 + 31)).toBe(127);
  });

  it("stores F16 and F32 values little-endian, and the sizes it reports are the sizes it writes", () => {
    const f16 = encodeGguf(contents("f16"));
    const f32 = encodeGguf(contents("f32"));
    expect(f32.length - f16.length).toBe(128);
    expect(new DataView(f16.buffer, f16.length - 128).getUint16(0, true)).toBe(toHalf(-2));
    expect(new DataView(f32.buffer, f32.length - 256).getFloat32(4, true)).toBe(-1.875);
    expect(f16.length).toBe(ggufFileSize({}, [{ name: "t", dims: [32, 2], type: "f16" }]));
  });
});
