import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { definitionToGraph, graphToDefinition } from './graph';
import { Definition, isObject, JsonObject } from './definition';

const root = resolve(__dirname, '../../..');

/** Every public sample definition in the repository: the definition crate's valid samples
 * and `examples/`. */
function samples(): [string, Definition][] {
  const out: [string, Definition][] = [];
  for (const dir of ['crates/definition/tests/samples/valid', 'examples']) {
    for (const f of readdirSync(join(root, dir)).filter((f) => f.endsWith('.json')).sort()) {
      const doc = JSON.parse(readFileSync(join(root, dir, f), 'utf8')) as JsonObject;
      out.push([`${dir}/${f}`, unwrap(doc)]);
    }
  }
  return out;
}

function unwrap(doc: JsonObject): Definition {
  if (isObject(doc.properties) && isObject(doc.properties.definition)) return doc.properties.definition as Definition;
  if (isObject(doc.definition)) return doc.definition as Definition;
  return doc as Definition;
}

describe('definition ↔ graph', () => {
  const all = samples();
  it('finds the samples', () => {
    expect(all.length).toBeGreaterThanOrEqual(14);
  });
  for (const [name, def] of all) {
    it(`round-trips ${name} unchanged`, () => {
      const graph = definitionToGraph(def);
      const back = graphToDefinition(graph);
      // Same values and the same key order.
      expect(JSON.stringify(back)).toBe(JSON.stringify(def));
      expect(graph.nodes.filter((n) => n.kind === 'trigger').length).toBe(Object.keys(def.triggers ?? {}).length);
      for (const n of graph.nodes) {
        expect(Number.isFinite(n.position.x) && Number.isFinite(n.position.y)).toBe(true);
      }
    });
  }
});
