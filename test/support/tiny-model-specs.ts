/**
 * Specs and expected outputs of the ready-made tiny test models
 * (see {@link ./tiny-models.ts}). Both models share one vocabulary, like
 * real base/instruct siblings; the instruct model adds ChatML markers.
 */
import type { BigramModelSpec } from "./tiny-models.js";

/** A deterministic generation path: `prefix` tokens once, then `cycle` forever. */
export interface TinyPath {
  /** A prompt that selects this path (its last byte is what matters). */
  readonly prompt: string;
  readonly prefix: readonly string[];
  readonly cycle: readonly string[];
}

/** File names used by `writeTestModels`. */
export const TINY_BASE_FILE = "tiny-base.gguf";
export const TINY_INSTRUCT_FILE = "tiny-instruct.gguf";

/** Opening Markdown fence emitted by the base model's code path (never closed). */
export const CODE_FENCE_OPEN = "\n```python\n";
/** The 53-character code line the code path repeats forever. */
export const CODE_LINE = 'print("the quick brown fox jumps over the lazy dog")\n';

/** How the base model starts the next question of a few-shot scaffold. */
export const FEW_SHOT_NEXT_QUESTION = "\nQ:";

/** Base model paths at temperature 0, keyed by the prompt's last byte. */
export const BASE_PATHS = {
  /** Prompt ending in "?": " Paris is the capital of France Paris is ..." */
  question: {
    prompt: "What is the capital of France?",
    prefix: [],
    cycle: [" Paris", " is", " the", " capital", " of", " France"],
  },
  /** Prompt ending in "=": "\n```python\n" then {@link CODE_LINE} repeated. */
  code: {
    prompt: "Python code, x =",
    prefix: [CODE_FENCE_OPEN],
    cycle: [CODE_LINE],
  },
  /** Prompt ending in "!": Discord mentions and a link, cycling. */
  mention: {
    prompt: "Ping everyone!",
    prefix: [],
    cycle: [" @everyone", " <@&123456789012345678>", " @here", " <@111111111111111111>", " https://example.com/x"],
  },
  /** Prompt ending in ".": a chat log in which the model invents a "User:" who speaks next. */
  dialogue: {
    prompt: "Good morning.",
    prefix: [],
    cycle: [" Nice", " day.", "\nUser:", " Hello", " again."],
  },
  /** Prompt ending in ":" (a few-shot scaffold's "A:"): " Paris." then the next question, "\nQ:". */
  fewShot: {
    prompt: "Q: What is the capital of France?\nA:",
    prefix: [],
    cycle: [" Paris.", FEW_SHOT_NEXT_QUESTION],
  },
  /** Any other last token: " and so on and so on ..." */
  other: {
    prompt: "Tell me a story",
    prefix: [],
    cycle: [" and", " so", " on"],
  },
} as const satisfies Record<string, TinyPath>;

/** The sampling path's long tail: 40 rare words of 0.1% each. */
export const TAIL_WORDS: readonly string[] = Array.from(
  { length: 40 },
  (_, i) => ` hue${String(i + 1).padStart(2, "0")}`,
);

/** A path whose next token is drawn, not fixed: the prompt that selects it, and the distribution. */
export interface SamplingPath {
  /** A prompt that selects this path (its last byte, "~", is what matters). */
  readonly prompt: string;
  /** The next token's probabilities at temperature 1, after the prompt and after every token the path writes. */
  readonly next: Readonly<Record<string, number>>;
}

/**
 * Both models, raw: after a prompt ending in "~", and after every word of the path, the next token is drawn
 * from the same distribution: " red" 60%, " green" 30%, " blue" 6%, and {@link TAIL_WORDS} 0.1% each. That
 * tail is what top-k 40 and top-p 0.95 would cut off (and renormalise " red" to 62.5%). At temperature 0
 * the path is " red red red ...".
 */
export const SAMPLING_PATH: SamplingPath = {
  prompt: "Name a colour~",
  next: { " red": 0.6, " green": 0.3, " blue": 0.06, ...Object.fromEntries(TAIL_WORDS.map((w) => [w, 0.001])) },
};

/** The transitions of {@link SAMPLING_PATH}: its trigger and each of its words lead to its distribution. */
function drawnPath(path: SamplingPath, trigger: string): Record<string, Readonly<Record<string, number>>> {
  return Object.fromEntries([trigger, ...Object.keys(path.next)].map((token) => [token, path.next]));
}

/** End-of-turn control token of the instruct model (its EOS and EOT). */
export const INSTRUCT_EOT = "<|im_end|>";
/** The instruct model's answer after the ChatML generation prompt ("...assistant\n"). */
export const INSTRUCT_ANSWER_TOKENS = ["The", " capital", " of", " France", " is", " Paris."] as const;
export const INSTRUCT_ANSWER = INSTRUCT_ANSWER_TOKENS.join("");
/** The instruct model's answer to any other last token, e.g. a raw "...France?" prompt. */
export const INSTRUCT_RAW_ANSWER = " OK";

/** A plain ChatML template; node-llama-cpp resolves it to its `ChatMLChatWrapper`. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}" +
  "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** The first `n` tokens a path produces. */
export function expectedTokens(path: TinyPath, n: number): string[] {
  const out = path.prefix.slice(0, n);
  for (let i = 0; out.length < n; i++) out.push(path.cycle[i % path.cycle.length] ?? "");
  return out;
}

/** The exact text of the first `n` tokens of a path. */
export function expectedText(path: TinyPath, n: number): string {
  return expectedTokens(path, n).join("");
}

/** [trigger →] prefix... → cycle... → back to the cycle's start. */
function chain(path: TinyPath, trigger?: string): Record<string, string> {
  const seq = [...(trigger === undefined ? [] : [trigger]), ...path.prefix, ...path.cycle];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < seq.length; i++) out[seq[i] ?? ""] = seq[i + 1] ?? "";
  out[seq[seq.length - 1] ?? ""] = path.cycle[0] ?? "";
  return out;
}

const WORDS = [
  ...new Set([
    ...Object.values(BASE_PATHS).flatMap((p: TinyPath) => [...p.prefix, ...p.cycle]),
    ...INSTRUCT_ANSWER_TOKENS,
    INSTRUCT_RAW_ANSWER,
    ...Object.keys(SAMPLING_PATH.next),
  ]),
];

/** "tiny-base": no chat template, never emits an end-of-generation token. */
export const BASE_MODEL_SPEC: BigramModelSpec = {
  name: "tiny-base",
  words: WORDS,
  controlTokens: ["<|im_start|>", INSTRUCT_EOT],
  transitions: {
    ...chain(BASE_PATHS.question, "?"),
    ...chain(BASE_PATHS.code, "="),
    ...chain(BASE_PATHS.mention, "!"),
    ...chain(BASE_PATHS.dialogue, "."),
    ...chain(BASE_PATHS.fewShot, ":"),
    ...chain(BASE_PATHS.other), // reached through the fallback
  },
  fallback: BASE_PATHS.other.cycle[0],
  distributions: drawnPath(SAMPLING_PATH, "~"),
};

/** "tiny-instruct": ChatML template; answers after "\n", " OK" otherwise, then {@link INSTRUCT_EOT}. */
export const INSTRUCT_MODEL_SPEC: BigramModelSpec = {
  name: "tiny-instruct",
  words: WORDS,
  controlTokens: ["<|im_start|>", INSTRUCT_EOT],
  transitions: {
    "\n": INSTRUCT_ANSWER_TOKENS[0],
    ...Object.fromEntries(INSTRUCT_ANSWER_TOKENS.map((t, i) => [t, INSTRUCT_ANSWER_TOKENS[i + 1] ?? INSTRUCT_EOT])),
    [INSTRUCT_RAW_ANSWER]: INSTRUCT_EOT,
  },
  fallback: INSTRUCT_RAW_ANSWER,
  // The same weights as the base model on this path: a comparison's two sides draw the same words from one seed.
  distributions: drawnPath(SAMPLING_PATH, "~"),
  chatTemplate: CHATML_TEMPLATE,
  eotToken: INSTRUCT_EOT,
};

/**
 * Context options that keep the tiny models fast: multi-threaded evaluation of
 * a model this small costs ~150 ms/token in thread sync on this machine, one
 * thread ~0.5 ms/token.
 */
export const TINY_CONTEXT_OPTIONS = { contextSize: 512, threads: 1 } as const;
