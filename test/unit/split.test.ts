import { describe, expect, it } from "vitest";
import { splitMarkdown } from "../../workers/output/split.js";

const fences = (piece: string) => piece.split("\n").filter((line) => /^ {0,3}```/.test(line)).length;

/** For texts whose code lines are shorter than the limit: cuts fall on line ends, so each added fence is one line. */
function rejoin(pieces: string[]): string {
  return pieces
    .map((piece, i) => {
      let body = piece;
      if (i > 0) body = body.replace(/^```\w*\n/, "");
      if (i < pieces.length - 1) body = body.replace(/```$/, "");
      return body;
    })
    .join("");
}

describe("splitMarkdown", () => {
  it("keeps a short text in one piece", () => {
    expect(splitMarkdown("hello", 2000)).toEqual(["hello"]);
  });

  it("cuts long prose at line ends within the limit and loses nothing", () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i} of some prose`).join("\n");
    const pieces = splitMarkdown(text, 500);
    expect(pieces.length).toBeGreaterThan(5);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(500);
    expect(pieces.join("")).toBe(text);
  });

  it("hard-splits a text without spaces", () => {
    const pieces = splitMarkdown("x".repeat(1200), 500);
    expect(pieces.every((p) => p.length <= 500)).toBe(true);
    expect(pieces.join("")).toBe("x".repeat(1200));
  });

  it("never breaks a code block: each piece closes and reopens it with its language", () => {
    const text = "Here:\n```python\n" + 'print("the quick brown fox")\n'.repeat(150) + "```\nDone.";
    const pieces = splitMarkdown(text, 1000);
    expect(pieces.length).toBeGreaterThan(3);
    for (const [i, piece] of pieces.entries()) {
      expect(piece.length).toBeLessThanOrEqual(1000);
      expect(fences(piece) % 2).toBe(0);
      if (i > 0 && i < pieces.length - 1) expect(piece.startsWith("```python\n")).toBe(true);
    }
    expect(rejoin(pieces)).toBe(text);
  });

  it("closes a block the text leaves open at its end", () => {
    const pieces = splitMarkdown("```js\nconst a = 1;\n", 2000);
    expect(pieces).toEqual(["```js\nconst a = 1;\n```"]);
  });

  it("does not split a surrogate pair", () => {
    const text = "a" + "😀".repeat(600);
    for (const piece of splitMarkdown(text, 501)) expect(piece).not.toMatch(/[\ud800-\udbff]$/);
  });
});
