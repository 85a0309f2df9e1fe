import type { PromptCategory } from "./types.js";

/** Every category, in the order results show them. */
export const promptCategories: readonly PromptCategory[] = [
  "question",
  "instruction",
  "code",
  "math",
  "creative",
  "chat",
  "other",
];

/** A category in words, for people. */
export const CATEGORY_LABELS: Record<PromptCategory, string> = {
  question: "Questions",
  instruction: "Instructions",
  code: "Code",
  math: "Math",
  creative: "Creative writing",
  chat: "Chit-chat",
  other: "Other / completions",
};

/** Code fences or inline code, code-shaped syntax, programming words and languages. */
const CODE = [
  /```|`[^`\n]+`/,
  /\b(?:def|fn|func)\s+\w+\s*\(|\bfunction\s*\w*\s*\(|=>|console\.log|#include\b|\bimport\s+[\w{*]|\breturn\s+\w.*;/,
  /\b(?:write|implement|create|make|fix|debug|refactor)\s+(?:me\s+)?(?:a|an|the|this|my)\s+(?:\w+\s+)?(?:function|method|class|program|script|regex|query|unit tests?)\b/i,
  /\b(?:code|coding|programming|python|javascript|typescript|java|rust|golang|c\+\+|c#|sql|bash|html|css|regex|compiler?|bug|stack ?trace|api|json|algorithm)\b/i,
];

/** Arithmetic between numbers, or words that ask for a calculation. */
const MATH = [
  /\d\s*(?:[+*×÷^=]|\s[-/]\s)\s*[(-]?\d/,
  /\d\s+(?:times|plus|minus|divided by|multiplied by|to the power of)\s+\d|\bhow much is\s+\d/i,
  /\b(?:solve|calculate|compute|equations?|integral|derivative|factori[sz]e|simplify|sqrt|square root|arithmetic)\b/i,
];

/** Stories, poems and other made-up writing. */
const CREATIVE =
  /\b(?:stor(?:y|ies)|poem|poetry|haiku|limerick|sonnet|lyrics|fairy ?tale|fable|fiction|screenplay|once upon a time)\b|\b(?:write|compose)\s+(?:me\s+)?an?\s+(?:\w+\s+)?song\b/i;

/** Greetings and small talk. */
const CHAT =
  /^(?:hi|hello|hey|heya|yo|howdy|greetings|sup|good (?:morning|afternoon|evening))\b|\bhow are you\b|\bhow's it going\b|\bwhat'?s up\b|\bwho are you\b|\btell me about yourself\b|^(?:thanks|thank you)\b/i;

/** An imperative verb first, after an optional "please" / "can you" / "could you". */
const INSTRUCTION =
  /^(?:(?:please|can you|could you|would you|will you|pls)\s+)?(?:write|explain|list|summari[sz]e|translate|describe|give|make|create|generate|rewrite|compare|tell|name|suggest|draft|outline|define|classify|convert|recommend|help|plan|show)\b/i;

/** A wh-word (or "how") first. */
const QUESTION_WORD = /^(?:what|why|how|who|whom|whose|when|where|which)\b/i;

/**
 * Guesses what kind of prompt `prompt` is, with plain keyword rules tried in this order (the first match wins):
 * 1. code: code fences or inline code, code syntax (`def f(`, `=>`, `#include`), "write a function/script/…", or words
 *    such as code, python, sql, regex, bug, algorithm;
 * 2. math: numbers joined by an operator (`12 * 7`, `3 + 4 = 7`; `-` and `/` only with spaces around them, so dates
 *    and ratios don't count) or words such as solve, calculate, equation, derivative, "12 times 7";
 * 3. creative: story, poem, haiku, lyrics, "write a song", fairy tale, "once upon a time";
 * 4. chat: a greeting first (hi, hello, hey, good morning), "how are you", "what's up", "who are you", thanks;
 * 5. instruction: an imperative verb first (write, explain, list, summarize, translate, describe, give, …), also
 *    after "please" or "can you";
 * 6. question: ends with "?" or starts with a wh-word (what, why, how, who, when, where, which);
 * 7. other: anything else, typically a text for the base model to continue.
 */
export function categorizePrompt(prompt: string): PromptCategory {
  const text = prompt.trim();
  if (CODE.some((rule) => rule.test(text))) return "code";
  if (MATH.some((rule) => rule.test(text))) return "math";
  if (CREATIVE.test(text)) return "creative";
  if (CHAT.test(text)) return "chat";
  if (INSTRUCTION.test(text)) return "instruction";
  if (text.endsWith("?") || QUESTION_WORD.test(text)) return "question";
  return "other";
}
