import { findInventedTurn } from "../shared/invented-turn.js";
import { oneLine, stopExplanation, stopReasonText } from "../shared/labels.js";
import type { Side, SideResult } from "../shared/jobs.js";
import type { Expectation } from "./claim-table.js";

/** Whether one result bears a claim out, and what happened, in a few words. */
export interface Check {
  holds: boolean;
  saw: string[];
}

/** What `{prompt}` and `{systemPrompt}` stand for, and the token limit the run had. */
export interface CheckContext {
  prompt: string;
  systemPrompt: string;
  maxTokens: number;
}

const PLACEHOLDERS: Record<string, string> = { "{prompt}": "the prompt", "{systemPrompt}": "the system prompt" };

function fill(text: string, context: CheckContext): string {
  return text.replaceAll("{prompt}", context.prompt).replaceAll("{systemPrompt}", context.systemPrompt);
}

function quoted(text: string, max = 40): string {
  return `“${oneLine(text, max)}”`;
}

/** Checks one side's result against an expectation: every field given must hold. */
export function checkExpectation(expect: Expectation, side: Side, result: SideResult, context: CheckContext): Check {
  const saw: string[] = [];
  let holds = true;
  const note = (ok: boolean, text: string) => {
    holds &&= ok;
    saw.push(text);
  };
  const stopped = `stopped: ${stopReasonText(result.stopReason, context.maxTokens)}`;
  if (expect.stop !== undefined || expect.endsTurn !== undefined) {
    const stopOk = expect.stop === undefined || result.stopReason === expect.stop;
    const turnOk = expect.endsTurn === undefined || (result.stopReason === "endOfTurn") === expect.endsTurn;
    note(stopOk && turnOk, stopped);
  }
  if (expect.contains !== undefined) {
    const wanted = fill(expect.contains, context);
    const ok = result.text.toLowerCase().includes(wanted.toLowerCase());
    note(ok, ok ? `has ${quoted(wanted)}` : `no ${quoted(wanted)}`);
  }
  if (expect.startsWith !== undefined) {
    const wanted = fill(expect.startsWith, context);
    const ok = result.text.toLowerCase().startsWith(wanted.toLowerCase());
    note(ok, ok ? `starts with ${quoted(wanted)}` : `starts with ${quoted(result.text.slice(0, wanted.length + 8))}`);
  }
  if (expect.invents !== undefined || expect.speaker !== undefined) {
    const turn = findInventedTurn(result.text);
    const what =
      turn === null
        ? "no new speaker or question"
        : turn.kind === "speaker"
          ? `invented a speaker, ${turn.marker}${expect.speaker !== undefined && turn.marker !== expect.speaker ? ` (not ${expect.speaker})` : ""}`
          : "asked a new question of its own";
    const kindOk =
      expect.invents === undefined ||
      (expect.invents === "none"
        ? turn === null
        : turn !== null && (expect.invents === "either" || turn.kind === expect.invents));
    const speakerOk = expect.speaker === undefined || (turn?.kind === "speaker" && turn.marker === expect.speaker);
    note(kindOk && speakerOk, what);
  }
  if (expect.templated !== undefined) {
    const input = result.input;
    const templated = input?.template != null && input.specialTokens.length > 0;
    const what =
      input === undefined
        ? "input not recorded"
        : templated
          ? `input through the ${input.template} template, ${input.specialTokens.map((t) => t.text).join(" ")}`
          : "raw input, no template";
    note(input !== undefined && templated === expect.templated, what);
  }
  if (expect.inputContains !== undefined) {
    const text = result.input?.text ?? "";
    const missing = expect.inputContains.map((t) => fill(t, context)).filter((t) => !text.includes(t));
    note(
      missing.length === 0,
      missing.length === 0
        ? `input holds ${expect.inputContains.map((t) => PLACEHOLDERS[t] ?? quoted(t, 24)).join(", ")}`
        : `input lacks ${missing.map((t) => quoted(t, 30)).join(", ")}`,
    );
  }
  if (expect.explanationContains !== undefined) {
    const explanation = stopExplanation(side, result, context.maxTokens);
    const ok = explanation.includes(expect.explanationContains);
    note(ok, ok ? `💡 says ${quoted(expect.explanationContains)}` : `💡 ${quoted(explanation, 60)}`);
  }
  const aboutText = [expect.stop, expect.endsTurn, expect.contains, expect.startsWith, expect.invents, expect.speaker];
  if (aboutText.some((field) => field !== undefined)) saw.push(quoted(result.text, 60));
  return { holds, saw };
}
