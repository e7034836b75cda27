// Tokenises every rules/ file with the TextMate grammar (the engine VS Code
// uses) and checks that every keyword of the pest grammar that occurs in
// them as a word, outside strings and comments, gets a keyword scope.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "../../..");
const grammarPath = join(here, "../syntaxes/lintas.tmLanguage.json");
const grammarJson = JSON.parse(readFileSync(grammarPath, "utf8"));
const keywords = new Set(grammarJson.repository.keywords["x-keywords"]);
const wordKeywords = new Set(["and", "or", "not", "otherwise", "true", "false"]);

const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
await oniguruma.loadWASM(wasm);
const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (p) => new oniguruma.OnigScanner(p),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async () => vsctm.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath),
});
const grammar = await registry.loadGrammar("source.lintas");

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith(".lintas") ? [path] : [];
  });
}

let checked = 0;
let failures = 0;
let unknown = 0;
for (const file of files(join(repo, "rules"))) {
  let state = vsctm.INITIAL;
  readFileSync(file, "utf8").split("\n").forEach((line, n) => {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) {
      const text = line.slice(token.startIndex, token.endIndex);
      const scopes = token.scopes.join(" ");
      if (scopes.includes("string") || scopes.includes("comment")) continue;
      if (scopes.includes("invalid.illegal")) {
        unknown++;
        console.error(`${file}:${n + 1}: not highlighted as Lintas: \`${text}\``);
      }
      for (const word of text.match(/[\p{L}_][\p{L}\p{N}_]*/gu) ?? []) {
        if (!keywords.has(word) && !wordKeywords.has(word)) continue;
        // A keyword used as a field name after `.` or before `:` is a name.
        const before = line.slice(0, token.startIndex);
        const after = line.slice(token.endIndex);
        if (before.endsWith(".") || /^\s*:/.test(after)) continue;
        checked++;
        if (!/keyword|constant\.language|storage\.modifier/.test(scopes)) {
          failures++;
          console.error(`${file}:${n + 1}: \`${word}\` has scopes ${scopes}`);
        }
      }
    }
    state = result.ruleStack;
  });
}
console.log(`${checked} keyword occurrences checked, ${failures} not highlighted, ${unknown} unknown tokens`);
process.exit(failures + unknown > 0 ? 1 : 0);
