/** A short display name for a model spec (path, URL or `hf:` URI): its file name without `.gguf`. */
export function modelDisplayName(spec: string): string {
  const last =
    spec
      .replace(/[?#].*$/, "")
      .split(/[/\\]/)
      .pop() ?? "";
  return last.replace(/\.gguf$/i, "").replace(/^hf:/, "") || spec;
}
