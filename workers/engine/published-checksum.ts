/** What the model host says about a file's SHA-256. */
export type PublishedChecksum =
  | { kind: "sha256"; sha256: string }
  /** The host answered and publishes none (no URL to ask, not an LFS file, or not a host that publishes one). */
  | { kind: "none"; reason: string }
  /** The host could not be asked (network error, refusal, timeout): nothing is known either way. */
  | { kind: "unreachable"; reason: string };

export interface PublishedChecksumOptions {
  /** Sent as a bearer token (Hugging Face `HF_TOKEN`), for gated repositories. */
  token?: string | undefined;
  /**
   * Whether the plain `ETag` counts (Hugging Face: on a `resolve` URL it is the LFS object id, the SHA-256).
   * `X-Linked-Etag` counts on any host. Defaults to false.
   */
  trustEtag?: boolean;
  /** Defaults to 15 000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

const SHA256 = /^[0-9a-f]{64}$/;
const MAX_REDIRECTS = 5;

/**
 * Asks the host for a file's SHA-256 the way `huggingface_hub` does: a HEAD request that follows redirects only
 * within the same origin (a renamed repository), and reads `X-Linked-Etag` or `ETag` off the answer (Hugging Face
 * sends both on the redirect to its CDN). Only a 64-hex value counts as a SHA-256: a small file's ETag is a
 * git blob id (40 hex), which is not.
 */
export async function fetchPublishedSha256(
  url: string,
  options: PublishedChecksumOptions = {},
): Promise<PublishedChecksum> {
  const signal = AbortSignal.any([
    AbortSignal.timeout(options.timeoutMs ?? 15_000),
    ...(options.signal ? [options.signal] : []),
  ]);
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let response: Response;
    try {
      response = await fetch(current, { method: "HEAD", redirect: "manual", headers, signal });
    } catch (error) {
      options.signal?.throwIfAborted();
      return { kind: "unreachable", reason: error instanceof Error ? error.message : String(error) };
    }
    const published = etagSha256(response.headers, options.trustEtag ?? false);
    if (published !== null) return { kind: "sha256", sha256: published };
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      const next = new URL(location, current);
      if (next.origin !== current.origin) return { kind: "none", reason: "the host's redirect carries no SHA-256" };
      current = next;
      continue;
    }
    if (!response.ok) return { kind: "unreachable", reason: `HEAD ${current.href} answered ${response.status}` };
    return { kind: "none", reason: "the host's answer carries no SHA-256" };
  }
  return { kind: "unreachable", reason: `more than ${MAX_REDIRECTS} redirects` };
}

function etagSha256(headers: Headers, trustEtag: boolean): string | null {
  for (const value of [headers.get("x-linked-etag"), trustEtag ? headers.get("etag") : null]) {
    if (value === null) continue;
    const tag = value
      .replace(/^W\//, "")
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
    if (SHA256.test(tag)) return tag;
  }
  return null;
}
