import { describe, expect, it } from 'vitest';
import { AUTH_TYPES, requiredErrors, SCHEMAS, schemaFor, schemaFromSample, searchCatalogue } from './schema';
import { checkValue, dynamicContent, insertDynamic } from './expr';
import {
  blankDefinition,
  checkName,
  deleteStep,
  Definition,
  getAt,
  insertBetween,
  insertStep,
  moveStep,
  setRunAfter,
  renameStep,
  setAt,
} from './definition';

describe('catalogue', () => {
  it('"http webhook" finds exactly HTTP Webhook, as a trigger and as an action', () => {
    for (const role of ['trigger', 'action'] as const) {
      const found = searchCatalogue(role, 'http webhook');
      expect(found.map((s) => s.title)).toEqual(['HTTP Webhook']);
      expect(found[0].role).toBe(role);
      expect(found[0].template().type).toBe('HttpWebhook');
    }
  });
  it('is case-insensitive and matches keywords', () => {
    expect(searchCatalogue('action', 'LOOP').map((s) => s.type)).toEqual(expect.arrayContaining(['Foreach', 'Until']));
    expect(searchCatalogue('action', 'nothing like this')).toEqual([]);
    expect(searchCatalogue('trigger', '').length).toBe(SCHEMAS.filter((s) => s.role === 'trigger').length);
  });
  it('every entry has a unique id, a template of its type and fields inside the step', () => {
    const ids = new Set<string>();
    for (const s of SCHEMAS) {
      expect(ids.has(s.id)).toBe(false);
      ids.add(s.id);
      const t = s.template();
      expect(String(t.type).toLowerCase()).toBe(s.type.toLowerCase());
      expect(schemaFor(s.role, t)?.id).toBe(s.id);
      for (const f of s.fields) {
        expect(f.path.length).toBeGreaterThan(0);
        expect(f.label).toBeTruthy();
        if (f.advanced) expect(f.required).toBeFalsy();
      }
    }
  });
});

describe('HTTP Webhook form', () => {
  const schema = schemaFor('action', { type: 'HttpWebhook' })!;
  it('shows subscribe method, URI (required) and body; the rest under "Add new parameter"', () => {
    const shown = schema.fields.filter((f) => !f.advanced).map((f) => [f.label, !!f.required]);
    expect(shown).toEqual([
      ['Subscribe - Method', true],
      ['Subscribe - URI', true],
      ['Subscribe - Body', false],
    ]);
    const advanced = schema.fields.filter((f) => f.advanced).map((f) => f.label);
    expect(advanced).toEqual([
      'Unsubscribe',
      'Subscribe - Headers',
      'Subscribe - Authentication',
      'Subscribe - Retry policy',
      'Timeout',
    ]);
    expect(schema.fields.find((f) => f.id === 'unsubscribe')?.fields?.map((f) => f.path.join('.'))).toEqual([
      'inputs.unsubscribe.method',
      'inputs.unsubscribe.uri',
      'inputs.unsubscribe.body',
    ]);
  });
  it('reports a missing URI, and unsubscribe parts only once unsubscribe is added', () => {
    const step = schema.template();
    expect(requiredErrors(schema, step).map((f) => f.label)).toEqual(['Subscribe - URI']);
    const filled = setAt(step, ['inputs', 'subscribe', 'uri'], 'http://x/subscribe');
    expect(requiredErrors(schema, filled)).toEqual([]);
    const withUnsub = setAt(filled, ['inputs', 'unsubscribe'], { method: '', uri: '' });
    expect(requiredErrors(schema, withUnsub)).toEqual([]);
  });
  it('the trigger has no timeout; listCallbackUrl is offered in subscribe fields', () => {
    const trigger = schemaFor('trigger', { type: 'HttpWebhook' })!;
    expect(trigger.fields.some((f) => f.id === 'timeout')).toBe(false);
    expect(trigger.fields.find((f) => f.id === 'subscribe-uri')?.callbackUrl).toBe(true);
  });
  it('authentication has a form per supported type', () => {
    expect(AUTH_TYPES.map((a) => a.type)).toEqual(['Basic', 'Raw', 'ClientCertificate', 'ActiveDirectoryOAuth']);
  });
});

describe('other forms', () => {
  it('Request generates a schema from a sample payload', () => {
    expect(schemaFromSample({ name: 'Ada', n: 1, ok: true, tags: ['a'] })).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string' },
        n: { type: 'integer' },
        ok: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' } },
      },
    });
  });
  it('Initialize variable edits the first declared variable', () => {
    const s = schemaFor('action', { type: 'InitializeVariable' })!;
    const step = setAt(s.template(), ['inputs', 'variables', '0', 'name'], 'count');
    expect(getAt(step, ['inputs', 'variables'])).toEqual([{ name: 'count', type: 'string', value: '' }]);
  });
});

describe('expressions', () => {
  it('accepts valid expressions and interpolations', () => {
    for (const v of [
      '@triggerBody()',
      "@body('Wait')?['approved']",
      "@concat('a', 'it''s', string(add(1, 2.5)))",
      'Hi @{variables(\'x\')}!',
      '@@literal',
      'plain text',
      "@{listCallbackUrl()}",
      "@outputs('A').body.items[0]",
    ]) {
      expect(checkValue(v), v).toBeNull();
    }
  });
  it('rejects broken ones with a position', () => {
    expect(checkValue("@concat('a'")?.message).toMatch(/not closed/);
    expect(checkValue("@body('x")?.message).toMatch(/string is not closed/);
    expect(checkValue('@foo')?.message).toMatch(/must be called/);
    expect(checkValue('x @{triggerBody()')?.message).toMatch(/not closed/);
    expect(checkValue('@a() b')?.at).toBe(5);
  });
  it('inserts dynamic content as the value or an interpolation', () => {
    expect(insertDynamic('', 'triggerBody()')).toBe('@triggerBody()');
    expect(insertDynamic('Hi ', 'triggerBody()')).toBe('Hi @{triggerBody()}');
  });
});

function sampleDef(): Definition {
  let def = blankDefinition();
  def = insertStep(def, ['triggers'], null, 'manual', { type: 'Request', kind: 'Http', inputs: {} });
  def = insertStep(def, ['actions'], null, 'A', { type: 'Compose', inputs: '@triggerBody()' });
  def = insertStep(def, ['actions'], 'A', 'B', { type: 'Compose', inputs: "@outputs('A')" });
  return def;
}

describe('editing', () => {
  it('inserts between steps, renames with references, deletes and reattaches', () => {
    let def = sampleDef();
    def = insertStep(def, ['actions'], 'A', 'Mid', { type: 'Compose', inputs: 1 });
    expect(def.actions.Mid.runAfter).toEqual({ A: ['Succeeded'] });
    expect(def.actions.B.runAfter).toEqual({ Mid: ['Succeeded'] });
    expect(Object.keys(def.actions)).toEqual(['A', 'Mid', 'B']);
    def = renameStep(def, { container: ['actions'], name: 'A' }, 'First');
    expect(Object.keys(def.actions)).toEqual(['First', 'Mid', 'B']);
    expect(def.actions.Mid.runAfter).toEqual({ First: ['Succeeded'] });
    expect(def.actions.B.inputs).toBe("@outputs('First')");
    def = deleteStep(def, { container: ['actions'], name: 'Mid' });
    expect(def.actions.B.runAfter).toEqual({ First: ['Succeeded'] });
  });
  it('moves a step into another container', () => {
    let def = sampleDef();
    def = insertStep(def, ['actions'], 'B', 'S', { type: 'Scope', actions: {} });
    def = moveStep(def, { container: ['actions'], name: 'A' }, ['actions', 'S', 'actions'], null);
    expect(Object.keys(def.actions)).toEqual(['B', 'S']);
    expect(def.actions.B.runAfter).toEqual({});
    expect(def.actions.S.actions).toEqual({ A: { type: 'Compose', inputs: '@triggerBody()', runAfter: {} } });
    // Not into itself.
    expect(moveStep(def, { container: ['actions'], name: 'S' }, ['actions', 'S', 'actions'], null)).toBe(def);
  });
  it('inserts between two steps, taking over the edge\'s statuses', () => {
    let def = sampleDef();
    def = setRunAfter(def, { container: ['actions'], name: 'B' }, { A: ['Failed'] });
    def = insertStep(def, ['actions'], 'A', 'Other', { type: 'Compose', inputs: 0 });
    def = insertBetween(def, ['actions'], 'A', 'B', 'Mid', { type: 'Compose', inputs: 1 });
    expect(Object.keys(def.actions)).toEqual(['A', 'Other', 'Mid', 'B']);
    expect(def.actions.Mid.runAfter).toEqual({ A: ['Failed'] });
    expect(def.actions.B.runAfter).toEqual({ Mid: ['Succeeded'] });
    expect(def.actions.Other.runAfter).toEqual({ A: ['Succeeded'] });
    // Between the trigger and a first step.
    def = insertBetween(def, ['actions'], null, 'A', 'Zero', { type: 'Compose', inputs: 0 });
    expect(def.actions.Zero.runAfter).toEqual({});
    expect(def.actions.A.runAfter).toEqual({ Zero: ['Succeeded'] });
  });
  it('enforces unique names', () => {
    const def = sampleDef();
    expect(checkName(def, { container: ['actions'], name: 'A' }, 'B')).toMatch(/already/);
    expect(checkName(def, { container: ['actions'], name: 'A' }, 'manual')).toMatch(/already/);
    expect(checkName(def, { container: ['actions'], name: 'A' }, 'A')).toBeNull();
    expect(checkName(def, { container: ['actions'], name: 'A' }, '')).toMatch(/name/);
  });
  it('offers earlier outputs, variables and parameters as dynamic content', () => {
    let def = sampleDef();
    def = setAt(def, ['parameters'], { p: { type: 'string' } });
    const items = dynamicContent(def, { container: ['actions'], name: 'B' }, false).map((i) => i.expr);
    expect(items).toEqual(expect.arrayContaining(['triggerBody()', "outputs('A')", "parameters('p')"]));
    expect(items).not.toContain('listCallbackUrl()');
    // Fields named by the trigger's schema and a Parse JSON step's schema.
    def = setAt(def, ['triggers', 'manual', 'inputs', 'schema'], { type: 'object', properties: { item: { type: 'string' } } });
    def = insertStep(def, ['actions'], 'A', 'Parse', { type: 'ParseJson', inputs: { content: '@triggerBody()', schema: { properties: { ok: {} } } } });
    const more = dynamicContent(def, { container: ['actions'], name: 'B' }, false).map((i) => i.expr);
    expect(more).toEqual(expect.arrayContaining(["triggerBody()?['item']", "body('Parse')?['ok']"]));
    const a = dynamicContent(def, { container: ['actions'], name: 'A' }, true).map((i) => i.expr);
    expect(a).toContain('listCallbackUrl()');
    expect(a).not.toContain("outputs('A')");
  });
});

import { placeErrors } from './errors';

describe('save errors', () => {
  it('are placed at the step their pointer names, nested steps included', () => {
    let def = sampleDef();
    def = insertStep(def, ['actions'], 'B', 'Check', { type: 'If', expression: { and: [] }, actions: {}, else: { actions: {} } });
    def = insertStep(def, ['actions', 'Check', 'else', 'actions'], null, 'In/ner', { type: 'Compose', inputs: 1 });
    const placed = placeErrors(def, [
      { message: 'bad uri', target: '/properties/definition/actions/A/inputs/uri' },
      { message: 'inner', target: '/properties/definition/actions/Check/else/actions/In~1ner/inputs' },
      { message: 'whole', target: '/properties/definition/outputs' },
      { message: 'none' },
    ]);
    expect(placed.byStep.get('/actions/A')).toEqual([{ message: 'bad uri', path: ['inputs', 'uri'] }]);
    expect(placed.byStep.get('/actions/Check/else/actions/In~1ner')).toEqual([{ message: 'inner', path: ['inputs'] }]);
    expect(placed.general.map((g) => g.message)).toEqual(['whole', 'none']);
  });
});

import { spanOf, valuePositions } from './jsonpos';

describe('JSON positions', () => {
  it('finds each value by pointer, escaped keys included, and falls back to the parent', () => {
    const text = JSON.stringify({ actions: { 'a/b': { inputs: [1, 'x'] } }, n: null }, null, 2);
    const map = valuePositions(text);
    const at = (p: string) => {
      const s = map.get(p)!;
      return text.slice(s.from, s.to);
    };
    expect(at('/actions/a~1b/inputs/1')).toBe('"x"');
    expect(at('/actions/a~1b/inputs/0')).toBe('1');
    expect(at('/n')).toBe('null');
    expect(JSON.parse(at('/actions/a~1b'))).toEqual({ inputs: [1, 'x'] });
    const s = spanOf(map, '/actions/a~1b/inputs/7/deeper')!;
    expect(text.slice(s.from, s.to)).toBe(at('/actions/a~1b/inputs'));
  });
});

import { findCallbackUrl } from './callback';

describe('waiting webhook actions', () => {
  it('find their callback URL wherever the subscribe request carried it', () => {
    const url = 'http://h:1/workflows/wf/runs/R1/actions/Wait_here/run?api-version=2016-10-01&sp=%2Fruns&sv=1.0&sig=abc';
    expect(findCallbackUrl({ subscribe: { body: { callbackUrl: url } } }, 'R1', 'Wait_here')).toBe(url);
    expect(findCallbackUrl({ subscribe: { uri: `http://svc/sub?cb=${url}` } }, 'R1', 'Wait_here')).toBe(url);
    expect(findCallbackUrl({ subscribe: { body: `Call ${url} when done.` } }, 'R1', 'Wait_here')).toBe(url);
    expect(findCallbackUrl({ subscribe: { body: { callbackUrl: url } } }, 'R2', 'Wait_here')).toBeNull();
    expect(findCallbackUrl('*** secured ***', 'R1', 'Wait_here')).toBeNull();
  });
});
