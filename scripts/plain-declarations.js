// The published declarations without zod: option types are written in the source as zod inferences
// (z.input<typeof Schema>), which a consumer's compiler would follow into zod's own declarations (and
// fail there without esModuleInterop, TS1259). This rewrites dist's .d.ts files after tsc: every type
// that names zod becomes the plain type the checker infers for it, and every exported schema becomes a
// PlainSchema of its output type; the zod imports go. Fails if any declaration still names zod.
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const FLAGS =
  ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias | ts.TypeFormatFlags.UseFullyQualifiedType;
const PLAIN_SCHEMA = `/** A schema's part a consumer uses: parse (throws on bad input) and safeParse. */
export interface PlainSchema<Output> {
  parse(input: unknown): Output;
  safeParse(input: unknown): { success: true; data: Output } | { success: false; error: Error };
}
`;

function declarations(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return declarations(full);
    return e.name.endsWith('.d.ts') ? [full] : [];
  });
}

const namesZod = (text) => /\b(z\.[A-Za-z]|Zod[A-Z]\w*\b)/.test(text) || /from 'zod'/.test(text);

/** Text edits [start, end, text] that replace each zod-naming type of `file` by its plain form. */
function editsOf(file, checker, schemaImport) {
  const edits = [];
  const isSchema = (type) => checker.getPropertyOfType(type, '_zod') !== undefined;
  const plain = (type) => checker.typeToString(type, file, FLAGS);
  const imported = new Set(); // names imported from zod: z, and ZodError and the like
  for (const statement of file.statements) {
    const clause = ts.isImportDeclaration(statement) && statement.moduleSpecifier.text === 'zod';
    if (!clause || !statement.importClause) continue;
    const bindings = statement.importClause.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach((e) => imported.add(e.name.text));
    if (bindings && ts.isNamespaceImport(bindings)) imported.add(bindings.name.text);
    if (statement.importClause.name) imported.add(statement.importClause.name.text);
  }
  const fromZod = (name) => imported.has(name.getText(file).split('.')[0]);
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && node.moduleSpecifier.text === 'zod') {
      edits.push([node.getFullStart(), node.getEnd(), '']);
      return;
    }
    if (ts.isTypeReferenceNode(node) && fromZod(node.typeName)) {
      const type = checker.getTypeFromTypeNode(node);
      const text = isSchema(type)
        ? `${schemaImport}<${plain(checker.getTypeOfPropertyOfType(type, '_output'))}>`
        : plain(type);
      // What has no plain form (a helper typed by zod's own shapes) is unknown to a consumer.
      edits.push([node.getStart(file), node.getEnd(), namesZod(text) ? 'unknown' : text]);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return edits;
}

function rewrite() {
  const files = declarations(path.join(dist, 'lib'));
  const schemaFile = path.join(dist, 'lib', 'plain-schema.d.ts');
  fs.writeFileSync(schemaFile, PLAIN_SCHEMA);
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const pending = [];
  for (const name of files) {
    const file = program.getSourceFile(name);
    if (!file || !namesZod(file.text)) continue;
    let rel = path.relative(path.dirname(name), schemaFile).replace(/\.d\.ts$/, '');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    const edits = editsOf(file, checker, `import('${rel}').PlainSchema`).sort((a, b) => b[0] - a[0]);
    let text = file.text;
    for (const [start, end, replacement] of edits)
      text = text.slice(0, start) + replacement + text.slice(end);
    pending.push([name, text]);
  }
  // Written after every file is read: the checker reads the originals.
  for (const [name, text] of pending) fs.writeFileSync(name, text);
  const left = files.filter((f) => namesZod(fs.readFileSync(f, 'utf8')));
  if (left.length > 0) throw new Error(`declarations still naming zod: ${left.join(', ')}`);
}

rewrite();
