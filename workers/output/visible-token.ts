/** How a token is written on the chart and in text: "␣" for a space, "↵" for "\n", "⇥" for "\t", "∅" for empty. */
export function visibleToken(text: string): string {
  if (text === "") return "∅";
  return text.replaceAll(" ", "␣").replaceAll("\n", "↵").replaceAll("\t", "⇥");
}
