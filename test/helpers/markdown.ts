/**
 * Small readers of the project's Markdown, for the tests that hold the docs to the code: fenced code
 * blocks, inline code spans, the shell commands in them, links, and the anchors GitHub gives headings.
 */

export interface CodeBlock {
  readonly lang: string;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trim().startsWith(fence); j++) body.push(lines[j]!);
    blocks.push({ lang: open[3] ?? "", text: body.join("\n"), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** Markdown with its fenced code blocks blanked out (lines kept, so line numbers stay right). */
export function withoutCodeBlocks(markdown: string): string {
  const lines = markdown.split("\n");
  let fence: string | undefined;
  return lines
    .map((l) => {
      const m = /^\s*(```+|~~~+)/.exec(l);
      if (fence === undefined && m) {
        fence = m[1]!;
        return "";
      }
      if (fence !== undefined) {
        if (l.trim().startsWith(fence)) fence = undefined;
        return "";
      }
      return l;
    })
    .join("\n");
}

/** Inline code spans outside fenced blocks. */
export function inlineCode(markdown: string): string[] {
  return [...withoutCodeBlocks(markdown).matchAll(/(`+)([^`]+?)\1/g)].map((m) => m[2]!.trim());
}

/**
 * Splits one shell line into words as sh would for plain commands: single and double quotes, a
 * backslash escape, `#` comments; `$(...)` is kept as one word. Operators (`&&`, `||`, `|`, `;`)
 * and redirections (`>`, `>>`, `<`, `2>`) come out as words of their own.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  const push = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      word += line.slice(i + 1, end < 0 ? line.length : end);
      inWord = true;
      i = end < 0 ? line.length : end;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (c === "$" && line[i + 1] === "(") {
      const end = line.indexOf(")", i);
      word += line.slice(i, end < 0 ? line.length : end + 1);
      inWord = true;
      i = end < 0 ? line.length : end;
    } else if (/\s/.test(c)) {
      push();
    } else if (c === "#" && !inWord) {
      break;
    } else if ("&|;<>".includes(c)) {
      const op = /^(&&|\|\||2>>|2>|>>|[|;<>])/.exec(line.slice(i))?.[0] ?? c;
      if (op === "2>" || op === "2>>") {
        // `2>` only as an operator when it starts a word
        if (inWord) {
          word += c;
          continue;
        }
      }
      push();
      words.push(op);
      i += op.length - 1;
    } else {
      word += c;
      inWord = true;
    }
  }
  push();
  return words;
}

/** Logical lines of a shell snippet: continuation backslashes joined. */
export function shellLines(text: string): string[] {
  return text.replace(/\\\n/g, " ").split("\n");
}

/** Each simple command of a shell snippet as words: split at `&&`, `||`, `|`, `;`, redirections dropped. */
export function shellCommands(text: string): string[][] {
  const out: string[][] = [];
  for (const line of shellLines(text)) {
    let current: string[] = [];
    const words = shellWords(line);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (w === "&&" || w === "||" || w === "|" || w === ";") {
        if (current.length > 0) out.push(current);
        current = [];
      } else if (w === ">" || w === ">>" || w === "<" || w === "2>" || w === "2>>") {
        i++; // the redirection's target
      } else {
        current.push(w);
      }
    }
    if (current.length > 0) out.push(current);
  }
  return out;
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

/** Targets of Markdown links and images (`[text](target)`, `![alt](target)`), outside code. */
export function links(markdown: string): Link[] {
  const out: Link[] = [];
  withoutCodeBlocks(markdown)
    .split("\n")
    .forEach((l, i) => {
      const prose = l.replace(/(`+)[^`]*?\1/g, "");
      for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, line: i + 1 });
    });
  return out;
}

/** The anchors GitHub gives a document's headings (with -1, -2… for repeats), and explicit ids. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const l of withoutCodeBlocks(markdown).split("\n")) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(l);
    if (h) {
      const slug = h[1]!
        .replace(/<[^>]+>/g, "")
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      out.add(n === 0 ? slug : `${slug}-${n}`);
    }
    for (const m of l.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  }
  return out;
}
