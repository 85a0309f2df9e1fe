import type { ClaimTableInput } from "./claim-table.js";

const CAPITAL = "What is the capital of France?";

/**
 * The claims the README's "What to try" makes about a real base/instruct pair (written for the default Gemma 3
 * 270M pair, and meant to hold for any real sibling pair), as `npm run tour` checks them. Keep it in step with
 * the README: a claim changed there is changed here. Steps 6 (blind votes) and 8 (`/models`) make no claim about
 * what a model writes, so they are not here.
 */
export const README_CLAIMS = {
  name: "the README's “What to try”",
  typically: { seeds: 5, temperature: 0.7 },
  steps: [
    {
      command: `/compare prompt:${CAPITAL}`,
      kind: "compare",
      prompt: CAPITAL,
      claims: [
        {
          claim: "The base model does not answer: it runs to the token limit",
          side: "base",
          expect: { stop: "tokenLimit" },
        },
        {
          claim: "The base model continues the document, typically with more quiz questions",
          side: "base",
          typically: true,
          expect: { invents: "either" },
        },
        {
          claim: "The instruct model answers (Paris) and ends its turn",
          side: "instruct",
          expect: { contains: "Paris", endsTurn: true },
        },
        {
          claim:
            "Exact prompts: the instruct model saw the same words inside its chat template, with the system prompt",
          side: "instruct",
          expect: { templated: true, inputContains: ["{prompt}", "{systemPrompt}"] },
        },
        {
          claim: "Exact prompts: the base model saw the raw text, no template",
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
          claim:
            "The base model inside the chat template still does not behave like an assistant: it does not end its turn",
          side: "baseChat",
          expect: { endsTurn: false },
        },
        {
          claim: "The instruct model without its template often rambles too: it does not end its turn",
          side: "instructRaw",
          typically: true,
          expect: { endsTurn: false },
        },
      ],
    },
    {
      command: `/complete text:${CAPITAL} fewshot:true`,
      kind: "complete",
      prompt: CAPITAL,
      fewShot: true,
      claims: [
        {
          claim: "After two worked Q:/A: examples, the base model's likeliest continuation is an answer (Paris)",
          side: "base",
          expect: { contains: "Paris" },
        },
        {
          claim: "The few-shot answer stops at the next “Q:”",
          side: "base",
          expect: { stop: "stopSequence" },
        },
      ],
    },
    {
      command:
        "/complete text:The following is a conversation between a user and a helpful assistant. User: Hi, who are you? Assistant:",
      kind: "complete",
      prompt:
        "The following is a conversation between a user and a helpful assistant. User: Hi, who are you? Assistant:",
      claims: [
        {
          claim:
            "The base model plays the assistant for a line, then writes the user's next line itself, and the explanation points out the invented speaker",
          side: "base",
          expect: { speaker: "User:", explanationContains: "invented a new speaker" },
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
} satisfies ClaimTableInput;
