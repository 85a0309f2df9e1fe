import { DEFAULT_BASE_MODEL, DEFAULT_INSTRUCT_MODEL } from "../../src/shared/config.js";

/** A model file's SHA-256 and size as written into this code: a second source beside what the host publishes. */
export interface PinnedChecksum {
  sha256: string;
  sizeBytes: number;
}

/**
 * The default pair, pinned by the Hugging Face LFS object id (the file's SHA-256) that the host publishes for
 * `resolve/main` of each file. A download must match both this and the host's published value, so a changed
 * or tampered file under the same name is refused even when the host vouches for it.
 *
 * ggml-org/gemma-3-270m-GGUF `gemma-3-270m-Q8_0.gguf`: seen in public records of revision
 * 360e988e4c99209d62d171ca1a46aceb4b224791 and of `resolve/main`.
 * ggml-org/gemma-3-270m-it-GGUF `gemma-3-270m-it-Q8_0.gguf`: seen in public records of revisions
 * e7647be17ae1108f2f605ed061ca0608b171afff and 795e608e4e6c8cba79de3feba50364bf3b6d51c2 and of `resolve/main`.
 */
export const PINNED_CHECKSUMS: Readonly<Record<string, PinnedChecksum>> = Object.freeze({
  [DEFAULT_BASE_MODEL]: {
    sha256: "e00cf79514204dfe2f4d6943f277ffea7fd8a4c8e955b4b7a869cfc157694881",
    sizeBytes: 291_543_744,
  },
  [DEFAULT_INSTRUCT_MODEL]: {
    sha256: "0ef57d2c838458a1952664260dcba38e5bdda37494f3af732f06e4add24068e3",
    sizeBytes: 291_545_600,
  },
});
