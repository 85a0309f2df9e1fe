/**
 * A base/instruct pair of the cost of a real small model, for the benchmark: llama architecture, about 134M
 * parameters (n_embd 768, 12 layers, n_ff 2048, 12 heads), a 32,000-token vocabulary, Q8_0 weights. The weights
 * are random (deterministic from a seed), so the text is gibberish, but every token costs what it costs in a real
 * model of that size. The instruct model has other weights and a ChatML template, so its templated side works.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ggufFileSize, gguf, writeGgufFile, type GgufTensorSource, type GgufValue } from "./gguf.js";
import { CHATML_TEMPLATE } from "./tiny-model-specs.js";

/** The shape of a realistic model. */
export interface RealisticModelSpec {
  readonly name: string;
  /** Weights are drawn from a generator seeded with this. */
  readonly seed: number;
  readonly embedding: number;
  readonly layers: number;
  readonly feedForward: number;
  readonly heads: number;
  /** Tokens in the vocabulary, control tokens included; at least 300. */
  readonly vocabulary: number;
  readonly contextLength: number;
  readonly type: "q8_0" | "f16";
  /** A Jinja chat template (ChatML) stored in the file; its end-of-turn token "<|im_end|>" is then the EOS. */
  readonly chatTemplate?: string;
}

/** About 134M parameters, like SmolLM2-135M or GPT-2 small. */
export const REALISTIC_BASE_SPEC: RealisticModelSpec = {
  name: "realistic-base",
  seed: 1,
  embedding: 768,
  layers: 12,
  feedForward: 2048,
  heads: 12,
  vocabulary: 32_000,
  contextLength: 2048,
  type: "q8_0",
};

/** The base spec with other weights (as after fine-tuning) and a ChatML template; the same vocabulary. */
export const REALISTIC_INSTRUCT_SPEC: RealisticModelSpec = {
  ...REALISTIC_BASE_SPEC,
  name: "realistic-instruct",
  seed: 2,
  chatTemplate: CHATML_TEMPLATE,
};

const SPACE = "\u2581";
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;
/** Standard deviation of the random weights, as in GPT-2's initialisation. */
const WEIGHT_STD = 0.02;
const RMS_EPS = 1e-5;
const END_OF_TURN = "<|im_end|>";

/** A fast deterministic generator (mulberry32) of floats in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A SentencePiece-style vocabulary: <unk>, <s>, </s>, the 256 bytes, "▁", then letters, digits and punctuation
 * with and without a leading "▁", then two- and three-letter pieces, shorter ones first and likelier (higher
 * score), and ChatML's control tokens last (in both models, as siblings share a vocabulary). English text comes
 * out at about three characters a token.
 */
function vocabulary(spec: RealisticModelSpec): { tokens: string[]; types: number[]; scores: number[] } {
  const controls = ["<|im_start|>", END_OF_TURN];
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_BYTE);
  }
  const lower = "etaoinshrdlcumwfgypbvkjxqz".split("");
  const singles = [...lower, ..."ETAOINSHRDLCUMWFGYPBVKJXQZ0123456789.,?!:;'\"-()".split("")];
  const pieces = [SPACE, ...singles.flatMap((c) => [c, SPACE + c])];
  for (const a of lower) for (const b of lower) pieces.push(a + b, SPACE + a + b);
  for (const a of lower) for (const b of lower) for (const c of lower) pieces.push(SPACE + a + b + c, a + b + c);
  const room = spec.vocabulary - tokens.length - controls.length;
  if (room < 1 || room > pieces.length) throw new Error(`a vocabulary of ${spec.vocabulary} tokens is out of range`);
  for (const piece of pieces.slice(0, room)) {
    tokens.push(piece);
    types.push(TOKEN_NORMAL);
  }
  for (const control of controls) {
    tokens.push(control);
    types.push(TOKEN_CONTROL);
  }
  return { tokens, types, scores: tokens.map((_, i) => (types[i] === TOKEN_NORMAL ? -i : 0)) };
}

function metadata(spec: RealisticModelSpec): Map<string, GgufValue> {
  const { tokens, types, scores } = vocabulary(spec);
  const headDim = spec.embedding / spec.heads;
  const entries = new Map<string, GgufValue>([
    ["general.architecture", gguf.string("llama")],
    ["general.type", gguf.string("model")],
    ["general.name", gguf.string(spec.name)],
    ["general.size_label", gguf.string(`${Math.round(parameterCount(spec) / 1e6)}M`)],
    ["general.file_type", gguf.uint32(spec.type === "q8_0" ? 7 : 1)], // MOSTLY_Q8_0 or MOSTLY_F16
    ["llama.vocab_size", gguf.uint32(spec.vocabulary)],
    ["llama.context_length", gguf.uint32(spec.contextLength)],
    ["llama.embedding_length", gguf.uint32(spec.embedding)],
    ["llama.block_count", gguf.uint32(spec.layers)],
    ["llama.feed_forward_length", gguf.uint32(spec.feedForward)],
    ["llama.attention.head_count", gguf.uint32(spec.heads)],
    ["llama.attention.head_count_kv", gguf.uint32(spec.heads)],
    ["llama.rope.dimension_count", gguf.uint32(headDim)],
    ["llama.rope.freq_base", gguf.float32(10000)],
    ["llama.attention.layer_norm_rms_epsilon", gguf.float32(RMS_EPS)],
    ["tokenizer.ggml.model", gguf.string("llama")],
    ["tokenizer.ggml.tokens", gguf.stringArray(tokens)],
    ["tokenizer.ggml.scores", gguf.float32Array(scores)],
    ["tokenizer.ggml.token_type", gguf.int32Array(types)],
    ["tokenizer.ggml.unknown_token_id", gguf.uint32(0)],
    ["tokenizer.ggml.bos_token_id", gguf.uint32(1)],
    ["tokenizer.ggml.add_bos_token", gguf.bool(true)],
    ["tokenizer.ggml.add_eos_token", gguf.bool(false)],
  ]);
  const eot = spec.chatTemplate !== undefined ? tokens.indexOf(END_OF_TURN) : 2;
  entries.set("tokenizer.ggml.eos_token_id", gguf.uint32(eot));
  if (spec.chatTemplate !== undefined) {
    entries.set("tokenizer.ggml.eot_token_id", gguf.uint32(eot));
    entries.set("tokenizer.chat_template", gguf.string(spec.chatTemplate));
  }
  return entries;
}

/** Parameters of a spec: embeddings, output, and per layer attention and feed-forward (norms included). */
export function parameterCount(spec: RealisticModelSpec): number {
  const e = spec.embedding;
  const layer = 4 * e * e + 3 * e * spec.feedForward + 2 * e;
  return 2 * spec.vocabulary * e + e + spec.layers * layer;
}

/** The tensors of a spec, their values drawn row by row from one generator, in file order. */
function tensors(spec: RealisticModelSpec): GgufTensorSource[] {
  const next = random(spec.seed);
  // Uniform on [-a, a] with the standard deviation WEIGHT_STD.
  const a = WEIGHT_STD * Math.sqrt(3);
  const randomRows = (out: Float32Array) => {
    for (let i = 0; i < out.length; i++) out[i] = (next() * 2 - 1) * a;
  };
  const weights = (name: string, dims: number[]): GgufTensorSource => ({
    name,
    dims,
    type: spec.type,
    fillRow: (_row, out) => randomRows(out),
  });
  const ones = (name: string): GgufTensorSource => ({
    name,
    dims: [spec.embedding],
    type: "f32",
    fillRow: (_row, out) => out.fill(1),
  });
  const e = spec.embedding;
  const list = [weights("token_embd.weight", [e, spec.vocabulary]), ones("output_norm.weight")];
  list.push(weights("output.weight", [e, spec.vocabulary]));
  for (let l = 0; l < spec.layers; l++) {
    list.push(
      ones(`blk.${l}.attn_norm.weight`),
      weights(`blk.${l}.attn_q.weight`, [e, e]),
      weights(`blk.${l}.attn_k.weight`, [e, e]),
      weights(`blk.${l}.attn_v.weight`, [e, e]),
      weights(`blk.${l}.attn_output.weight`, [e, e]),
      ones(`blk.${l}.ffn_norm.weight`),
      weights(`blk.${l}.ffn_gate.weight`, [e, spec.feedForward]),
      weights(`blk.${l}.ffn_up.weight`, [e, spec.feedForward]),
      weights(`blk.${l}.ffn_down.weight`, [spec.feedForward, e]),
    );
  }
  return list;
}

/**
 * Writes a realistic model to `path` unless a file of the expected size is already there (a few seconds, about
 * 140 MB for the default Q8_0 spec). Written through a temporary file and a rename, so parallel callers are safe.
 */
export async function writeRealisticModel(path: string, spec: RealisticModelSpec): Promise<string> {
  const meta = metadata(spec);
  const list = tensors(spec);
  const size = ggufFileSize(meta, list);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.size === size) return path;
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeGgufFile(tmp, { metadata: meta, tensors: list });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return path;
}

/**
 * The benchmark's model pair in `dir` (e.g. `bench/.cache`, outside git): written once, then reused. The file names
 * carry the spec, so a changed spec writes new files.
 */
export async function realisticModelPair(
  dir: string,
  specs: { base: RealisticModelSpec; instruct: RealisticModelSpec } = {
    base: REALISTIC_BASE_SPEC,
    instruct: REALISTIC_INSTRUCT_SPEC,
  },
): Promise<{ base: string; instruct: string }> {
  await mkdir(dir, { recursive: true });
  const file = (spec: RealisticModelSpec) =>
    join(
      dir,
      `${spec.name}-${spec.embedding}x${spec.layers}-ff${spec.feedForward}-h${spec.heads}-v${spec.vocabulary}-${spec.type}-s${spec.seed}.gguf`,
    );
  const base = await writeRealisticModel(file(specs.base), specs.base);
  const instruct = await writeRealisticModel(file(specs.instruct), specs.instruct);
  return { base, instruct };
}
