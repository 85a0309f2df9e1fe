/** Where a remote model spec is downloaded from, as far as that can be told without asking the host. */
export interface RemoteSource {
  /**
   * The URL whose headers publish the file's checksum (Hugging Face's `resolve` URL), or null where it cannot be
   * told without the host's help (`hf:<owner>/<repo>:<quant>` picks its file through an API call).
   */
  url: string | null;
  /** Whether the URL is on the Hugging Face endpoint, whose `ETag` on a `resolve` URL is the file's SHA-256. */
  huggingFace: boolean;
}

const DEFAULT_ENDPOINT = "https://huggingface.co/";
// The URI prefixes node-llama-cpp's resolveModelFile accepts for Hugging Face.
const HF_PREFIXES = ["hf://", "huggingface://", "hf:", "huggingface:", "hf.co/", "huggingface.co/"];

/**
 * Tells a remote spec (`hf:` URI or http(s) URL) from a local path, the way node-llama-cpp does, and finds the
 * URL that publishes its checksum. Returns null for a local path.
 */
export function remoteSource(spec: string, endpoint: string = DEFAULT_ENDPOINT): RemoteSource | null {
  const base = endpoint.endsWith("/") ? endpoint : `${endpoint}/`;
  const prefix = HF_PREFIXES.find((p) => spec.startsWith(p));
  if (prefix !== undefined) return { url: hfResolveUrl(spec.slice(prefix.length), base), huggingFace: true };
  if (!/^https?:\/\//i.test(spec)) return null;
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    return null;
  }
  const huggingFace = [new URL(base).hostname, "huggingface.co", "hf.co"].includes(url.hostname);
  if (!huggingFace) return { url: url.href, huggingFace: false };
  // https://huggingface.co/<owner>/<repo>/blob/<branch>/<file> downloads as .../resolve/...
  const parts = url.pathname.split("/");
  if (parts[3] === "blob") parts[3] = "resolve";
  url.pathname = parts.join("/");
  return { url: parts[3] === "resolve" ? url.href : null, huggingFace: true };
}

/** `<owner>/<repo>/<path>[#branch]` → the resolve URL; null for `<owner>/<repo>[:quant]`. */
function hfResolveUrl(rest: string, endpoint: string): string | null {
  const [path = "", branch = "main"] = rest.split("#", 2);
  const [owner, repo, ...file] = path.split("/");
  if (!owner || !repo || repo.includes(":") || file.length === 0 || file.join("") === "") return null;
  const encoded = file.map(encodeURIComponent).join("/");
  return `${endpoint}${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/resolve/${encodeURIComponent(branch || "main")}/${encoded}`;
}
