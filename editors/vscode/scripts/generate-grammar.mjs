// Generates syntaxes/lintas.tmLanguage.json from the pest grammar, so the
// editor highlights exactly the language's keywords. Run from anywhere:
//   node editors/vscode/scripts/generate-grammar.mjs
// A Rust test (tests/tests/lsp.rs) checks that the output is current.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pest = readFileSync(join(here, "../../../compiler/lintas-syntax/src/grammar.pest"), "utf8");
const keywords = [...pest.matchAll(/^kw_(\w+)\s*=/gm)].map((m) => m[1]).sort();
// Words the grammar spells out outside the `kw_*` rules.
const operators = ["and", "or", "not", "otherwise"];
const constants = ["true", "false"];
const modifiers = ["sensitive", "loggable", "key", "each", "shadow", "enforce", "first", "unique", "any", "all", "collect"];
const units = ["day", "days", "week", "weeks", "month", "months", "year", "years"];
const alt = (words) => `\\b(${words.join("|")})\\b`;

const grammar = {
  $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
  name: "Lintas",
  scopeName: "source.lintas",
  fileTypes: ["lintas"],
  patterns: [
    { include: "#comments" },
    { include: "#strings" },
    { include: "#numbers" },
    { include: "#keywords" },
    { include: "#words" },
    { include: "#punctuation" },
    { include: "#unknown" },
  ],
  repository: {
    comments: {
      patterns: [
        { name: "comment.line.documentation.lintas", match: "///(?!/).*$" },
        { name: "comment.line.double-slash.lintas", match: "//.*$" },
      ],
    },
    strings: {
      name: "string.quoted.double.lintas",
      begin: '"',
      end: '"|$',
      patterns: [{ name: "constant.character.escape.lintas", match: "\\\\(u\\{[0-9A-Fa-f]{1,6}\\}|.)" }],
    },
    numbers: {
      patterns: [
        { name: "constant.numeric.date.lintas", match: "\\b\\d{4}-\\d{2}-\\d{2}\\b" },
        { name: "constant.numeric.lintas", match: "\\b\\d[\\d_]*(\\.\\d+)?\\b" },
      ],
    },
    keywords: {
      // The `kw_*` rules of grammar.pest, in order; checked by a test.
      "x-keywords": keywords,
      patterns: [
        { name: "keyword.control.lintas", match: alt(keywords) },
        { name: "keyword.operator.word.lintas", match: alt(operators) },
        { name: "constant.language.boolean.lintas", match: alt(constants) },
        { name: "storage.modifier.lintas", match: alt(modifiers) },
        { name: "keyword.other.unit.lintas", match: alt(units) },
      ],
    },
    words: {
      patterns: [
        { name: "entity.name.type.lintas", match: "\\b[A-Z][a-z]\\w*\\b" },
        { name: "constant.other.code.lintas", match: "\\b[A-Z][A-Z0-9_]*\\b" },
        { name: "entity.name.function.lintas", match: "\\b[\\p{L}_][\\p{L}\\p{N}_]*(?=\\s*\\()" },
        { name: "variable.other.lintas", match: "\\b[\\p{L}_][\\p{L}\\p{N}_]*\\b" },
      ],
    },
    punctuation: {
      patterns: [
        { name: "keyword.operator.comparison.lintas", match: "==|!=|<=|>=|<|>" },
        { name: "keyword.operator.arithmetic.lintas", match: "[-+*/]" },
        { name: "punctuation.separator.lintas", match: "[,:|.=]" },
        { name: "punctuation.section.brackets.lintas", match: "[\\[\\]{}()]" },
      ],
    },
    // Anything else is not Lintas: shown as such rather than silently.
    unknown: { name: "invalid.illegal.unknown.lintas", match: "[^\\s]" },
  },
};

writeFileSync(join(here, "../syntaxes/lintas.tmLanguage.json"), JSON.stringify(grammar, null, 2) + "\n");
console.log(`wrote ${keywords.length} keywords`);
