/**
 * Slashes trimmed from the ends of a string in one pass. `/\/+$/` backtracks over every run of slashes that does not
 * reach the end (quadratic on `////…x`), and these strings come from requests and files others write.
 */
export function trimTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 47) end--;
  return text.slice(0, end);
}

export function trimLeadingSlashes(text: string): string {
  let start = 0;
  while (start < text.length && text.charCodeAt(start) === 47) start++;
  return text.slice(start);
}
