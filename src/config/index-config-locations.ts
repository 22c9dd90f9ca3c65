import { type AST, parseTOML } from 'toml-eslint-parser';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { ConfigFormat } from './config-format.js';
import { formatKeyPath, type KeyPath } from './format-key-path.js';

export interface SourcePosition {
  line: number;
  column: number;
}

/** Where a key and its value are written; both 1-based. */
interface Location {
  key: SourcePosition;
  value: SourcePosition;
}

/** Finds where a key path is written in a config text, falling back to its nearest written ancestor. */
export interface ConfigLocator {
  locate(keyPath: KeyPath, at: 'key' | 'value'): SourcePosition | undefined;
}

/**
 * Built only when a config has errors: the parsers that produce values (smol-toml, yaml's toJS) keep no
 * positions, so a second parse with a position-keeping parser maps key paths back to lines.
 */
export function indexConfigLocations(text: string, format: ConfigFormat): ConfigLocator {
  const locations = new Map<string, Location>();
  try {
    if (format === 'toml') indexToml(text, locations);
    else indexYaml(text, locations);
  } catch {
    // A text that parsed once always parses again; if not, errors simply carry no line.
  }
  return {
    locate(keyPath, at) {
      for (let length = keyPath.length; length > 0; length--) {
        const location = locations.get(formatKeyPath(keyPath.slice(0, length)));
        if (location) return length === keyPath.length ? location[at] : location.key;
      }
      return undefined;
    },
  };
}

function indexToml(text: string, locations: Map<string, Location>): void {
  const program = parseTOML(text);
  const [topLevel] = program.body;
  const arrayTableCounts = new Map<string, number>();
  for (const node of topLevel.body) {
    if (node.type === 'TOMLKeyValue') {
      indexTomlKeyValue(node, [], locations);
      continue;
    }
    const position = tomlPosition(node.loc.start);
    locations.set(formatKeyPath(node.resolvedKey), { key: position, value: position });
    if (node.kind === 'array') {
      // The first [[sync_jobs]] header also locates `sync_jobs` itself.
      const arrayPath = formatKeyPath(node.resolvedKey.slice(0, -1));
      const seen = arrayTableCounts.get(arrayPath) ?? 0;
      if (seen === 0) locations.set(arrayPath, { key: position, value: position });
      arrayTableCounts.set(arrayPath, seen + 1);
    }
    for (const keyValue of node.body) indexTomlKeyValue(keyValue, node.resolvedKey, locations);
  }
}

function indexTomlKeyValue(node: AST.TOMLKeyValue, parent: KeyPath, locations: Map<string, Location>): void {
  const names = node.key.keys.map((key) => (key.type === 'TOMLBare' ? key.name : key.value));
  const keyPath = [...parent, ...names];
  locations.set(formatKeyPath(keyPath), {
    key: tomlPosition(node.key.loc.start),
    value: tomlPosition(node.value.loc.start),
  });
  indexTomlValue(node.value, keyPath, locations);
}

function indexTomlValue(node: AST.TOMLContentNode, keyPath: KeyPath, locations: Map<string, Location>): void {
  if (node.type === 'TOMLInlineTable') {
    for (const keyValue of node.body) indexTomlKeyValue(keyValue, keyPath, locations);
  } else if (node.type === 'TOMLArray') {
    node.elements.forEach((element, index) => {
      const position = tomlPosition(element.loc.start);
      locations.set(formatKeyPath([...keyPath, index]), { key: position, value: position });
      indexTomlValue(element, [...keyPath, index], locations);
    });
  }
}

// toml-eslint-parser counts columns from 0, like ESLint.
function tomlPosition(position: AST.Position): SourcePosition {
  return { line: position.line, column: position.column + 1 };
}

function indexYaml(text: string, locations: Map<string, Location>): void {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const toPosition = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const visit = (node: YamlNode | null | undefined, keyPath: KeyPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const childPath = [...keyPath, String(pair.key.value)];
        const keyOffset = pair.key.range?.[0] ?? 0;
        const value = pair.value as YamlNode | null;
        const valueOffset = value?.range?.[0] ?? keyOffset;
        locations.set(formatKeyPath(childPath), {
          key: toPosition(keyOffset),
          value: toPosition(valueOffset),
        });
        visit(value, childPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const childPath = [...keyPath, index];
        const offset = (item as YamlNode).range?.[0] ?? 0;
        locations.set(formatKeyPath(childPath), { key: toPosition(offset), value: toPosition(offset) });
        visit(item as YamlNode, childPath);
      });
    }
  };
  visit(document.contents as YamlNode | null, []);
}
