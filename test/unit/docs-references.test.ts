import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A reader with only this repository must be able to follow every reference:
 * no pointer to design notes, contract drafts or numbered pitfalls kept
 * outside it, and every `*.md` a comment or a document names must exist here.
 * The specifications live in docs/ (docs/README.md is the index).
 */

const ROOT = process.cwd();
const SELF = path.relative(ROOT, fileURLToPath(import.meta.url));
const DIRS = [
  'src',
  'controllers',
  'test',
  'bench',
  'charts',
  'crds',
  'k3s',
  'images',
  'examples',
  'scripts',
  'docs',
  '.ci',
];
const ROOT_FILES = ['README.md', 'eslint.config.js', 'vitest.config.ts'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);
const TEXT = /\.(ts|mts|js|mjs|cjs|py|sh|md|ya?ml|json|tpl|txt|toml)$|(^|\/)(Dockerfile|Containerfile|run)$/;

/**
 * Names of documents that live outside the repository. Written so that this
 * file does not match them itself (it is skipped as well).
 */
const OUTSIDE: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'the design notes', pattern: /\bDESIGN\.md\b/ },
  { what: 'the contract drafts', pattern: /\bcontracts\// },
  { what: 'a numbered pitfall', pattern: /\bpitfalls?\s*#?\d/i },
  { what: 'the style notes', pattern: /\bstyle[- ]anchors\b/i },
];
/**
 * A relative path up into a folder named `shared`: the folder beside the repository has that name,
 * so no path in the repository is spelt that way (src/sources keeps its helpers in `common/`).
 */
const PARENT_SHARED = /(?:\.\.\/)+shared\b/;
/** A Markdown file name, possibly with a path, not inside a longer word or path. */
const MD_NAME = /(?<![\w./-])((?:\.{1,2}\/)*(?:[\w.-]+\/)*[\w-]+\.md)\b/g;
const URL_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIP_DIRS.has(entry)) continue;
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (TEXT.test(p)) out.push(p);
  }
  return out;
}

const files = [...DIRS.flatMap(walk), ...ROOT_FILES.filter((f) => existsSync(f))].filter((f) => f !== SELF);
const texts = files.map((file) => ({ file, lines: readFileSync(file, 'utf8').split('\n') }));

/** `file:line: text` for every line where `find` reports a problem. */
function offenders(find: (line: string, file: string) => string | null): string[] {
  const out: string[] = [];
  for (const { file, lines } of texts)
    lines.forEach((line, i) => {
      const problem = find(line, file);
      if (problem !== null) out.push(`${file}:${i + 1}: ${problem}`);
    });
  return out;
}

function insideRepo(p: string): boolean {
  const rel = path.relative(ROOT, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

describe('references in the repository', () => {
  it('finds the files it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain(path.join('docs', 'README.md'));
  });

  it.each(OUTSIDE)('never points at $what, which the repository does not have', ({ pattern }) => {
    expect(offenders((line) => (pattern.test(line) ? line.trim() : null))).toEqual([]);
  });

  it('never points at the shared folder beside the repository', () => {
    const found = offenders((line) => (PARENT_SHARED.test(line) ? line.trim() : null));
    expect(found).toEqual([]);
  });

  it('names only Markdown files that exist (a docs/ page, or a path from the file or the root)', () => {
    const found = offenders((line, file) => {
      const missing = [...line.replace(URL_TEXT, '').matchAll(MD_NAME)]
        .map((m) => m[1]!)
        .filter((name) => {
          const candidates = [path.resolve(path.dirname(file), name), path.resolve(ROOT, name)];
          return !candidates.some((c) => insideRepo(c) && existsSync(c));
        });
      return missing.length > 0 ? `${missing.join(', ')}: no such file` : null;
    });
    expect(found).toEqual([]);
  });

  it('has every page the docs index lists, and lists every page', () => {
    const index = readFileSync(path.join('docs', 'README.md'), 'utf8');
    const listed = [...index.matchAll(/^\| \[([\w-]+\.md)\]\(\1\) \|/gm)].map((m) => m[1]!).sort();
    const pages = readdirSync('docs')
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .sort();
    expect(listed).toEqual(pages);
  });
});
