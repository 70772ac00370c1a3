// The fenced code blocks of a Markdown text (the README's, checked by
// readme.test.mjs and run by react.test.mjs).

/** Each fenced block: `{ lang, code, line }`, `line` the fence's 1-based line. */
export function codeBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^```(\w*)\s*$/);
    if (!open) continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1] !== "```") i++;
    blocks.push({ lang: open[1], code: lines.slice(start, i + 1).join("\n"), line: start });
    i++;
  }
  return blocks;
}
