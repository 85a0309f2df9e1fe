/**
 * The tour's claims for the tiny test models (`npm run tour -- --claims test/support/tour-claims.ts`): the
 * README's "What to try", adapted to what these models do (see ./tiny-model-specs.ts), so CI checks the tour
 * end to end. It lives with the tests, not in the product: it describes models only the tests make.
 * Validated by the tour against src/cli/claim-table.ts.
 */
import { BASE_PATHS, INSTRUCT_ANSWER, INSTRUCT_EOT, INSTRUCT_RAW_ANSWER, SAMPLING_PATH } from "./tiny-model-specs.js";

const CAPITAL = BASE_PATHS.question.prompt;

export default {
  name: "the tiny test models' tour",
  typically: { seeds: 3, temperature: 0.7 },
  steps: [
    {
      command: `/compare prompt:${CAPITAL}`,
      kind: "compare",
      prompt: CAPITAL,
      claims: [
        {
          claim: "The base model continues the text and runs to the token limit",
          side: "base",
          expect: { stop: "tokenLimit", contains: BASE_PATHS.question.cycle.join("") },
        },
        {
          claim: "The base model never ends its turn, whatever the seed",
          side: "base",
          typically: true,
          expect: { endsTurn: false },
        },
        {
          claim: "The instruct model answers and ends its turn",
          side: "instruct",
          expect: { contains: INSTRUCT_ANSWER, endsTurn: true, explanationContains: INSTRUCT_EOT },
        },
        {
          claim: "Exact prompts: the instruct model saw the prompt inside the ChatML template, with the system prompt",
          side: "instruct",
          expect: {
            templated: true,
            inputContains: [
              "<|im_start|>system\n{systemPrompt}<|im_end|>",
              "<|im_start|>user\n{prompt}<|im_end|>",
              "<|im_start|>assistant\n",
            ],
          },
        },
        {
          claim: "Exact prompts: the base model saw the raw text",
          side: "base",
          expect: { templated: false, inputContains: ["{prompt}"] },
        },
      ],
    },
    {
      command: `/compare prompt:${CAPITAL} mode:matrix`,
      kind: "compare",
      prompt: CAPITAL,
      matrix: true,
      claims: [
        {
          claim: "The base model inside the chat template does not end its turn",
          side: "baseChat",
          expect: { endsTurn: false },
        },
        {
          claim: `The tiny instruct model without its template ends its turn at once (“${INSTRUCT_RAW_ANSWER.trim()}”)`,
          side: "instructRaw",
          typically: true,
          expect: { contains: INSTRUCT_RAW_ANSWER.trim(), endsTurn: true },
        },
      ],
    },
    {
      command: `/complete text:${CAPITAL} fewshot:true`,
      kind: "complete",
      prompt: CAPITAL,
      fewShot: true,
      claims: [
        { claim: "After the Q:/A: examples the base model answers", side: "base", expect: { contains: "Paris" } },
        { claim: "The few-shot answer stops at the next “Q:”", side: "base", expect: { stop: "stopSequence" } },
      ],
    },
    {
      command: `/complete text:${BASE_PATHS.dialogue.prompt}`,
      kind: "complete",
      prompt: BASE_PATHS.dialogue.prompt,
      claims: [
        {
          claim:
            "The base model writes the user's next line itself, and the explanation points out the invented speaker",
          side: "base",
          expect: { speaker: "User:", explanationContains: "invented a new speaker" },
        },
      ],
    },
    {
      // Not in the README's tour: a step whose next word is drawn, so "typically" meets a real split.
      command: `/complete text:${SAMPLING_PATH.prompt}`,
      kind: "complete",
      prompt: SAMPLING_PATH.prompt,
      claims: [
        {
          claim: "The base model typically starts with its likeliest next word, ' red' (60%), but not always",
          side: "base",
          typically: true,
          expect: { startsWith: " red" },
        },
      ],
    },
    {
      command: "/ask prompt:My name is Sam and I like chess., then /ask prompt:What do I like? in its thread",
      kind: "ask",
      prompt: "What do I like?",
      before: ["My name is Sam and I like chess."],
      claims: [
        {
          claim: "The second /ask gets the conversation so far",
          side: "instruct",
          expect: { inputContains: ["My name is Sam and I like chess.", "{prompt}"] },
        },
      ],
    },
  ],
};
