#!/usr/bin/env node
// Syntax check of Bicep files with the tree-sitter-bicep grammar (offline; it parses, it does not type-check:
// `az bicep build` in CI does that). Prints every ERROR or MISSING node as file:line:column and exits 1 if any.
//   node infra/tools/check-bicep.mjs                 every .bicep under infra/
//   node infra/tools/check-bicep.mjs <file|dir>...   the given files, or every .bicep under the given folders
// The parser packages come from tools/node_modules (tools/package.json; `npm ci --prefix tools`).
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(repoRoot, 'tools', 'package.json'));

let Parser;
let Bicep;
try {
  Parser = require('tree-sitter');
  Bicep = require('tree-sitter-bicep');
} catch (error) {
  console.error(`check-bicep: cannot load tree-sitter-bicep from tools/node_modules (run: npm ci --prefix tools): ${error.message}`);
  process.exit(2);
}

function bicepFiles(path) {
  if (statSync(path).isFile()) {
    return [path];
  }
  return readdirSync(path, { withFileTypes: true })
    .filter(entry => entry.name !== 'node_modules' && !entry.name.startsWith('.'))
    .flatMap(entry => entry.isDirectory()
      ? bicepFiles(join(path, entry.name))
      : entry.name.endsWith('.bicep') ? [join(path, entry.name)] : []);
}

// Every ERROR node and every MISSING node (a token the parser had to invent), depth first.
function problems(node, found = []) {
  if (node.type === 'ERROR' || node.isMissing) {
    found.push(node);
    if (node.type === 'ERROR') {
      return found; // its children are the unparsable text itself
    }
  }
  for (const child of node.children) {
    if (child.hasError || child.isMissing || child.type === 'ERROR') {
      problems(child, found);
    }
  }
  return found;
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : [join(repoRoot, 'infra')]).flatMap(t => bicepFiles(resolve(t))).sort();
if (files.length === 0) {
  console.error('check-bicep: no .bicep files found');
  process.exit(2);
}

const parser = new Parser();
parser.setLanguage(Bicep);
let failures = 0;
for (const file of files) {
  const source = readFileSync(file, 'utf8');
  // The Node binding reads long inputs through a callback; chunking keeps files of any size parseable.
  const tree = parser.parse((index) => source.slice(index, index + 8192));
  const shown = relative(process.cwd(), file) || file;
  const found = problems(tree.rootNode);
  for (const node of found) {
    const { row, column } = node.startPosition;
    const what = node.isMissing ? `MISSING ${node.type}` : `ERROR near '${node.text.split('\n')[0].slice(0, 60)}'`;
    console.log(`${shown}:${row + 1}:${column + 1}: ${what}`);
  }
  if (found.length === 0 && tree.rootNode.hasError) {
    console.log(`${shown}: parse error (no location reported)`);
    failures++;
  }
  failures += found.length;
  if (found.length === 0 && !tree.rootNode.hasError) {
    console.log(`${shown}: ok`);
  }
}
console.log(`check-bicep: ${files.length} file(s), ${failures} problem(s)`);
process.exit(failures === 0 ? 0 : 1);
