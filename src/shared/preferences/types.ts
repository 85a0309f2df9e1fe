/** A member's vote on a finished /compare: side A, side B, a tie, or both answers bad. */
export type VoteChoice = "A" | "B" | "tie" | "bothBad";

/** One side of a finished comparison as shown to members. */
export interface ComparedSide {
  label: "A" | "B";
  role: "base" | "instruct";
  model: string;
  text: string;
  stopReason: string;
}

/** A finished /compare, as stored. */
export interface ComparisonRecord {
  id: string;
  guildId: string | null;
  channelId: string;
  prompt: string;
  category: PromptCategory;
  createdAt: number;
  blind: boolean;
  sampling: { temperature: number; maxTokens: number; seed: number };
  systemPrompt: string;
  /** Index 0 is A, index 1 is B. */
  sides: [ComparedSide, ComparedSide];
}

/** A comparison with its votes, userId -> choice (one vote per member). */
export interface VotedComparison {
  record: ComparisonRecord;
  votes: Readonly<Record<string, VoteChoice>>;
  /** Members whose vote on a blind comparison was changed after they saw which model was which: labelled votes. */
  seen?: readonly string[];
}

/** What kind of prompt a comparison was, for per-category results. */
export type PromptCategory = "question" | "instruction" | "code" | "math" | "creative" | "chat" | "other";
