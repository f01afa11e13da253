/**
 * The prose of an issue's markdown, the part worth summarising: code blocks, HTML comments (issue
 * templates' hints), images, URLs, tables and quoted replies removed; link text kept; inline code kept
 * without backticks. Every line that does not end a sentence is ended with a period, so headings and
 * list items become sentences of their own instead of running into the next line.
 */
export function issueProse(markdown: string): string {
  const withoutBlocks = markdown
    .replace(/\r\n?/g, "\n")
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?(^\1[^\n]*$|(?![\s\S]))/gm, "\n")
    .replace(/<details>[\s\S]*?<\/details>/gi, "\n");
  const lines: string[] = [];
  for (const rawLine of withoutBlocks.split("\n")) {
    if (/^( {4}|\t)/.test(rawLine) || /^\s*>/.test(rawLine) || /^\s*\|/.test(rawLine)) continue;
    if (/^\s*at .+\(.+:\d+:\d+\)\s*$/.test(rawLine)) continue; // a stack frame pasted outside a code block
    const line = rawLine
      .replace(/!\[[^\]]*\]\([^)]*\)/g, " ")
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
      .replace(/<\/?[a-z][^>]*>/gi, " ")
      .replace(/https?:\/\/\S+/g, " ")
      .replace(/`([^`]+)`/g, "$1")
      .replace(/^\s*#{1,6}\s+/, "")
      .replace(/^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, "")
      .replace(/(\*\*|__|~~)/g, "")
      .replace(/\s+/g, " ")
      .trim();
    if (!line || /^[-=*_]{3,}$/.test(line)) continue;
    lines.push(/[.!?:;]$/.test(line) ? line : `${line}.`);
  }
  return lines.join("\n");
}
