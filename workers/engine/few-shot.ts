/** Where a few-shot completion stops: the start of the next question the base model would write itself. */
export const FEW_SHOT_STOP = "\nQ:";

/** Two worked examples, so a base model sees the pattern "question, then a short answer". */
const EXAMPLES = [
  { q: "What is the largest planet in our solar system?", a: "Jupiter." },
  { q: 'Who wrote "Pride and Prejudice"?', a: "Jane Austen." },
];

/**
 * Wraps a text in a Q:/A: scaffold, so that the likeliest continuation of the document is an answer.
 * This is how base models were prompted into answering before instruction tuning.
 */
export function fewShotPrompt(text: string): string {
  const examples = EXAMPLES.map(({ q, a }) => `Q: ${q}\nA: ${a}\n\n`).join("");
  return `${examples}Q: ${text.trim()}\nA:`;
}
