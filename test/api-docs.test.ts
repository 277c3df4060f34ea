import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The public API as a reader of the .d.ts sees it: everything src/index.ts exports has TSDoc, every
 * field and method of an exported interface has TSDoc, and every type of this package that appears
 * in an exported signature is itself exported (so a consumer can name it).
 */

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const INDEX = path.join(SRC, 'index.ts');
/** The package's entries: `aqua-serve` and `aqua-serve/echo`. */
const ENTRIES = [INDEX, path.join(SRC, 'echo', 'index.ts')];

const program = ts.createProgram(ENTRIES, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
  typeRoots: [fileURLToPath(new URL('../node_modules/@types', import.meta.url))],
});
const checker = program.getTypeChecker();

const fromSrc = (decl: ts.Declaration): boolean => path.resolve(decl.getSourceFile().fileName).startsWith(SRC);
const resolve = (symbol: ts.Symbol): ts.Symbol =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
const doc = (symbol: ts.Symbol): string => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();

/** Exported name → the symbol it stands for, limited to what this package declares (every entry together). */
const exported = new Map<string, ts.Symbol>();
for (const entry of ENTRIES) {
  const file = program.getSourceFile(entry);
  const moduleSymbol = file && checker.getSymbolAtLocation(file);
  if (!moduleSymbol) throw new Error(`${entry} is not a module of the program`);
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = resolve(symbol);
    if (target.declarations?.some(fromSrc)) exported.set(symbol.name, target);
  }
}
const exportedSymbols = new Set(exported.values());

/** The parts of a declaration a consumer sees: signatures and types, not function bodies. */
function publicParts(decl: ts.Declaration): ts.Node[] {
  if (ts.isFunctionDeclaration(decl))
    return [...(decl.typeParameters ?? []), ...decl.parameters, ...(decl.type ? [decl.type] : [])];
  if (ts.isVariableDeclaration(decl)) return decl.type ? [decl.type] : [];
  return [decl];
}

function typeNamesIn(node: ts.Node, out: Map<string, ts.Symbol>): void {
  if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
    const nameNode = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
    const symbol = checker.getSymbolAtLocation(nameNode);
    // A type parameter (the `S` of `AquaServer<S>`) is not a type a consumer imports.
    if (symbol && !(symbol.flags & ts.SymbolFlags.TypeParameter)) {
      const target = resolve(symbol);
      if (target.declarations?.some(fromSrc)) out.set(nameNode.getText(), target);
    }
  }
  ts.forEachChild(node, (child) => typeNamesIn(child, out));
}

describe('the public API of src/index.ts and src/echo/index.ts', () => {
  it('exports something', () => {
    expect(exported.size).toBeGreaterThan(0);
    expect(exported.has('createEchoServer')).toBe(true);
  });

  it('has TSDoc on every export', () => {
    const undocumented = [...exported].filter(([, symbol]) => doc(symbol) === '').map(([name]) => name);
    expect(undocumented).toEqual([]);
  });

  it('has TSDoc on every field and method of the exported interfaces', () => {
    const undocumented: string[] = [];
    for (const [name, symbol] of exported) {
      if (!(symbol.flags & ts.SymbolFlags.Interface)) continue;
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      for (const member of checker.getPropertiesOfType(type)) {
        if (!member.declarations?.some(fromSrc)) continue; // inherited from a dependency
        if (doc(member) === '') undocumented.push(`${name}.${member.name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('exports every type of this package that an exported signature uses', () => {
    const missing = new Set<string>();
    for (const [name, symbol] of exported) {
      for (const decl of symbol.declarations ?? []) {
        const used = new Map<string, ts.Symbol>();
        for (const part of publicParts(decl)) typeNamesIn(part, used);
        for (const [typeName, typeSymbol] of used)
          if (!exportedSymbols.has(typeSymbol)) missing.add(`${typeName} (used by ${name})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
