/**
 * Tiny, deterministic llama-architecture "bigram" GGUF models for tests.
 *
 * One block whose attention and feed-forward weights are all zero, so the
 * residual stream stays the one-hot embedding of the current token and
 * `output.weight` becomes a next-token table: at temperature 0 the model
 * always emits `transitions[current] ?? fallback`. A token with a
 * `distributions` entry instead has several likely successors, each with a
 * known probability at temperature 1 (its logit is c + ln p). The vocabulary
 * holds only control tokens, the 256 byte tokens and whole words, so a prompt
 * tokenizes to byte tokens and its last byte picks the path the model takes.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { encodeGguf, gguf, type GgufTensor, type GgufTensorType, type GgufValue } from "./gguf.js";
import { BASE_MODEL_SPEC, INSTRUCT_MODEL_SPEC, TINY_BASE_FILE, TINY_INSTRUCT_FILE } from "./tiny-model-specs.js";

export * from "./tiny-model-specs.js";

/** Describes a bigram model. Texts use ordinary spaces; they are stored with SentencePiece's "▁". */
export interface BigramModelSpec {
  /** `general.name`. */
  readonly name: string;
  /** Normal (type 1) tokens, e.g. " Paris". Avoid words of 1-2 characters: prompts could tokenize to them. */
  readonly words: readonly string[];
  /** Extra control (type 3) tokens, e.g. chat-template markers. */
  readonly controlTokens?: readonly string[];
  /**
   * Current token → next token. A key is a token's text (a word, a control
   * token, "<s>", "<0x0A>"...) or a single ASCII character, meaning its byte
   * token. Values are resolved the same way.
   */
  readonly transitions: Readonly<Record<string, string>>;
  /** Next token of every token that has no transition. */
  readonly fallback: string;
  /**
   * Current token → its successors and their probabilities at temperature 1 (summing to 1), for tokens
   * whose next token is drawn rather than fixed. Keys and successors are resolved as in `transitions`;
   * an entry here wins over one there.
   */
  readonly distributions?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Jinja template stored as `tokenizer.chat_template`; omitted when absent. */
  readonly chatTemplate?: string;
  /** Control token registered as EOS and EOT (end of generation). Default "</s>". */
  readonly eotToken?: string;
  /** `llama.context_length`: the context it was trained for, which the worker uses. Default 2048. */
  readonly contextLength?: number;
  /**
   * How the matrices are stored (norms stay F32). Default "f32". Q8_0 keeps the fixed paths exact but rounds the
   * logits of `distributions`.
   */
  readonly weightsType?: GgufTensorType;
}

const SPACE = "\u2581";
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;
/**
 * Logit of the chosen next token; every other logit is 0. At 30 the chosen
 * token keeps all but ~1e-11 of the probability even at temperature 1, so
 * sampling with a temperature gives the same text as greedy decoding.
 */
const NEXT_LOGIT = 30;
/** Attention head size (`attention.key_length`); kept small so the model stays small. */
const HEAD_DIM = 32;
const FEED_FORWARD_LENGTH = 32;
const RMS_EPS = 1e-6;
/** Id of the byte token <0x00>. */
const BYTE_BASE = 3;

const byteToken = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
const toPiece = (text: string): string => text.replaceAll(" ", SPACE);

/** The vocabulary of a spec: <unk>, <s>, </s>, 256 bytes, words, control tokens. */
function vocabulary(spec: BigramModelSpec): {
  tokens: string[];
  types: number[];
} {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(byteToken(b));
    types.push(TOKEN_BYTE);
  }
  // "▁" alone lets prompt spaces tokenize to a space instead of the 3 bytes of "▁".
  for (const w of [" ", ...spec.words]) {
    tokens.push(toPiece(w));
    types.push(TOKEN_NORMAL);
  }
  for (const c of spec.controlTokens ?? []) {
    tokens.push(c);
    types.push(TOKEN_CONTROL);
  }
  const seen = new Set<string>();
  for (const t of tokens) {
    if (seen.has(t)) throw new Error(`duplicate token ${JSON.stringify(t)}`);
    seen.add(t);
  }
  return { tokens, types };
}

function resolver(tokens: readonly string[]): (text: string) => number {
  const ids = new Map(tokens.map((t, i) => [t, i]));
  return (text) => {
    const id = ids.get(toPiece(text)) ?? ids.get(text);
    if (id !== undefined) return id;
    const bytes = Buffer.from(text, "utf8");
    if (bytes.length === 1) return BYTE_BASE + (bytes[0] ?? 0);
    throw new Error(`no token for ${JSON.stringify(text)}`);
  };
}

function tensor(name: string, dims: readonly number[], fill = 0, type: GgufTensorType = "f32"): GgufTensor {
  return {
    name,
    dims,
    data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(fill),
    type,
  };
}

/** `general.file_type` of a model whose matrices are stored as `type`. */
const FILE_TYPES: Record<GgufTensorType, number> = { f32: 0, f16: 1, q8_0: 7 };

/** Builds the GGUF bytes of a bigram model (a few hundred KB). */
export function buildBigramModel(spec: BigramModelSpec): Uint8Array {
  const { tokens, types } = vocabulary(spec);
  const id = resolver(tokens);
  const nVocab = tokens.length;
  const nEmbd = Math.ceil(nVocab / 32) * 32; // padding dims stay zero
  const eot = id(spec.eotToken ?? "</s>");

  const next = new Array<number>(nVocab).fill(id(spec.fallback));
  for (const [from, to] of Object.entries(spec.transitions)) next[id(from)] = id(to);
  const drawn = new Map<number, [number, number][]>();
  for (const [from, successors] of Object.entries(spec.distributions ?? {})) {
    const entries = Object.entries(successors);
    const total = entries.reduce((sum, [, p]) => sum + p, 0);
    if (Math.abs(total - 1) > 1e-9 || entries.some(([, p]) => !(p > 0))) {
      throw new Error(`the successors of ${JSON.stringify(from)} must have positive probabilities summing to 1`);
    }
    drawn.set(
      id(from),
      entries.map(([to, p]) => [id(to), p]),
    );
  }
  // RMS-norm's epsilon scales the normalized one-hot vector by 1/sqrt(1 + nEmbd * eps): undone for drawn
  // successors, whose probabilities must come out as given.
  const unscale = Math.sqrt(1 + nEmbd * RMS_EPS);

  const type = spec.weightsType ?? "f32";
  const matrix = (name: string, dims: readonly number[]) => tensor(name, dims, 0, type);
  const embd = matrix("token_embd.weight", [nEmbd, nVocab]);
  const output = matrix("output.weight", [nEmbd, nVocab]);
  for (let t = 0; t < nVocab; t++) {
    embd.data[t * nEmbd + t] = 1; // row t = one-hot(t)
    const successors = drawn.get(t);
    if (successors === undefined) {
      output.data[(next[t] ?? 0) * nEmbd + t] = NEXT_LOGIT; // logit[next] = NEXT_LOGIT * x[t]
    } else {
      // softmax(c + ln p) = p: the other tokens' logits of 0 take about 1e-11 of the probability in all.
      for (const [to, p] of successors) output.data[to * nEmbd + t] = (NEXT_LOGIT + Math.log(p)) * unscale;
    }
  }
  // RMS-norm turns a one-hot vector into sqrt(nEmbd) * one-hot; scale it back to 1.
  const outputNorm = tensor("output_norm.weight", [nEmbd], 1 / Math.sqrt(nEmbd));
  const tensors: GgufTensor[] = [
    embd,
    outputNorm,
    output,
    tensor("blk.0.attn_norm.weight", [nEmbd], 1),
    matrix("blk.0.attn_q.weight", [nEmbd, HEAD_DIM]),
    matrix("blk.0.attn_k.weight", [nEmbd, HEAD_DIM]),
    matrix("blk.0.attn_v.weight", [nEmbd, HEAD_DIM]),
    matrix("blk.0.attn_output.weight", [HEAD_DIM, nEmbd]),
    tensor("blk.0.ffn_norm.weight", [nEmbd], 1),
    matrix("blk.0.ffn_gate.weight", [nEmbd, FEED_FORWARD_LENGTH]),
    matrix("blk.0.ffn_up.weight", [nEmbd, FEED_FORWARD_LENGTH]),
    matrix("blk.0.ffn_down.weight", [FEED_FORWARD_LENGTH, nEmbd]),
  ];

  const metadata = new Map<string, GgufValue>([
    ["general.architecture", gguf.string("llama")],
    ["general.type", gguf.string("model")],
    ["general.name", gguf.string(spec.name)],
    ["general.file_type", gguf.uint32(FILE_TYPES[type])],
    ["llama.vocab_size", gguf.uint32(nVocab)],
    ["llama.context_length", gguf.uint32(spec.contextLength ?? 2048)],
    ["llama.embedding_length", gguf.uint32(nEmbd)],
    ["llama.block_count", gguf.uint32(1)],
    ["llama.feed_forward_length", gguf.uint32(FEED_FORWARD_LENGTH)],
    ["llama.attention.head_count", gguf.uint32(1)],
    ["llama.attention.head_count_kv", gguf.uint32(1)],
    ["llama.attention.key_length", gguf.uint32(HEAD_DIM)],
    ["llama.attention.value_length", gguf.uint32(HEAD_DIM)],
    ["llama.rope.dimension_count", gguf.uint32(HEAD_DIM)],
    ["llama.rope.freq_base", gguf.float32(10000)],
    ["llama.attention.layer_norm_rms_epsilon", gguf.float32(RMS_EPS)],
    ["tokenizer.ggml.model", gguf.string("llama")],
    ["tokenizer.ggml.tokens", gguf.stringArray(tokens)],
    ["tokenizer.ggml.scores", gguf.float32Array(tokens.map(() => 0))],
    ["tokenizer.ggml.token_type", gguf.int32Array(types)],
    ["tokenizer.ggml.unknown_token_id", gguf.uint32(0)],
    ["tokenizer.ggml.bos_token_id", gguf.uint32(1)],
    ["tokenizer.ggml.eos_token_id", gguf.uint32(eot)],
    ["tokenizer.ggml.eot_token_id", gguf.uint32(eot)],
    ["tokenizer.ggml.add_bos_token", gguf.bool(true)],
    ["tokenizer.ggml.add_eos_token", gguf.bool(false)],
    // No implicit leading space: completions keep their leading " ", templates stay clean.
    ["tokenizer.ggml.add_space_prefix", gguf.bool(false)],
  ]);
  if (spec.chatTemplate !== undefined) {
    metadata.set("tokenizer.chat_template", gguf.string(spec.chatTemplate));
  }
  return encodeGguf({ metadata, tensors, alignment: 32 });
}

/**
 * Writes a bigram model to `path` unless an identical file is already there.
 * Writes go through a temporary file and a rename, so parallel callers are safe.
 */
export async function writeBigramModel(path: string, spec: BigramModelSpec): Promise<string> {
  const bytes = buildBigramModel(spec);
  const existing = await readFile(path).catch(() => undefined);
  if (existing && Buffer.compare(existing, bytes) === 0) return path;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
  return path;
}

/**
 * Writes the ready-made test models ({@link BASE_MODEL_SPEC}, {@link INSTRUCT_MODEL_SPEC})
 * into `dir` (idempotent, a few ms) and returns their paths.
 */
export async function writeTestModels(dir: string): Promise<{ base: string; instruct: string }> {
  const [base, instruct] = await Promise.all([
    writeBigramModel(join(dir, TINY_BASE_FILE), BASE_MODEL_SPEC),
    writeBigramModel(join(dir, TINY_INSTRUCT_FILE), INSTRUCT_MODEL_SPEC),
  ]);
  return { base, instruct };
}
