// A light client-side check of workflow expressions (the server validates for real):
// `@expr` values and `@{expr}` interpolations must parse — balanced calls and indexers,
// closed string literals, known shapes. Plus the dynamic content a field may insert.

import {
  allActions,
  Definition,
  isObject,
  isTrigger,
  predecessorsOf,
  StepRef,
} from './definition';

export interface ExprError {
  message: string;
  /** Offset in the whole field value. */
  at: number;
}

/** Checks a field value; null when it is fine (or not an expression at all). */
export function checkValue(value: string): ExprError | null {
  if (value.startsWith('@@')) return null;
  if (value.startsWith('@') && !value.startsWith('@{')) {
    return checkExpression(value.slice(1), 1);
  }
  // Interpolations: `@{ … }` anywhere.
  let i = 0;
  while ((i = value.indexOf('@{', i)) !== -1) {
    const end = findClose(value, i + 2);
    if (end < 0) return { message: 'This "@{" is not closed with "}".', at: i };
    const err = checkExpression(value.slice(i + 2, end), i + 2);
    if (err) return err;
    i = end + 1;
  }
  return null;
}

function findClose(s: string, from: number): number {
  let inString = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === "'") {
        if (s[i + 1] === "'") i++;
        else inString = false;
      }
    } else if (c === "'") inString = true;
    else if (c === '}') return i;
  }
  return -1;
}

/** Parses one expression (without the leading `@`). */
export function checkExpression(src: string, offset = 0): ExprError | null {
  let pos = 0;
  const err = (message: string, at = pos): ExprError => ({ message, at: at + offset });
  const ws = () => {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
  };
  const primary = (): ExprError | null => {
    ws();
    const c = src[pos];
    if (c === undefined) return err('An expression is missing here.');
    if (c === "'") {
      pos++;
      for (;;) {
        if (pos >= src.length) return err('This string is not closed with a quote.', pos);
        if (src[pos] === "'") {
          if (src[pos + 1] === "'") pos += 2;
          else {
            pos++;
            break;
          }
        } else pos++;
      }
      return null;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(pos));
    if (num) {
      pos += num[0].length;
      return null;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(pos));
    if (!ident) return err(`Unexpected "${c}".`);
    pos += ident[0].length;
    const word = ident[0].toLowerCase();
    ws();
    if (src[pos] !== '(') {
      if (word === 'true' || word === 'false' || word === 'null') return null;
      return err(`"${ident[0]}" must be called: ${ident[0]}(…).`, pos - ident[0].length);
    }
    pos++;
    ws();
    if (src[pos] === ')') {
      pos++;
      return null;
    }
    for (;;) {
      const e = expression();
      if (e) return e;
      ws();
      if (src[pos] === ',') {
        pos++;
        continue;
      }
      if (src[pos] === ')') {
        pos++;
        return null;
      }
      return err(pos >= src.length ? `"${ident[0]}(" is not closed with ")".` : `Expected "," or ")" but found "${src[pos]}".`);
    }
  };
  const expression = (): ExprError | null => {
    const e = primary();
    if (e) return e;
    for (;;) {
      ws();
      if (src.startsWith('?.', pos) || src[pos] === '.') {
        pos += src[pos] === '?' ? 2 : 1;
        const id = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(src.slice(pos));
        if (!id) return err('A property name is missing after ".".');
        pos += id[0].length;
      } else if (src.startsWith('?[', pos) || src[pos] === '[') {
        pos += src[pos] === '?' ? 2 : 1;
        const e2 = expression();
        if (e2) return e2;
        ws();
        if (src[pos] !== ']') return err('This "[" is not closed with "]".');
        pos++;
      } else return null;
    }
  };
  const e = expression();
  if (e) return e;
  ws();
  if (pos < src.length) return err(`Unexpected "${src[pos]}" after the end of the expression.`);
  return null;
}

export interface DynamicItem {
  group: string;
  label: string;
  /** The expression, without `@`. */
  expr: string;
}

/** What a field of `ref` may insert: the trigger's outputs, earlier actions' outputs,
 * variables, parameters, and `listCallbackUrl()` where it is valid. */
export function dynamicContent(def: Definition, ref: StepRef, callbackUrl: boolean): DynamicItem[] {
  const out: DynamicItem[] = [];
  if (callbackUrl) out.push({ group: 'Webhook', label: 'Callback URL', expr: 'listCallbackUrl()' });
  if (!isTrigger(ref)) {
    const triggers = isObject(def.triggers) ? Object.keys(def.triggers) : [];
    if (triggers.length) {
      out.push({ group: 'Trigger', label: 'Body', expr: 'triggerBody()' });
      // The Request trigger's schema names the body's fields.
      const t = def.triggers[triggers[0]];
      for (const prop of schemaProperties(isObject(t.inputs) ? t.inputs.schema : undefined)) {
        out.push({ group: 'Trigger', label: prop, expr: `triggerBody()?['${q(prop)}']` });
      }
      out.push({ group: 'Trigger', label: 'Headers', expr: "triggerOutputs()?['headers']" });
      out.push({ group: 'Trigger', label: 'Outputs', expr: 'triggerOutputs()' });
    }
    const preds = predecessorsOf(def, ref).reverse();
    for (const p of preds) {
      const type = String(allActions(def).find((a) => a.ref.name === p.name)?.step.type ?? '').toLowerCase();
      if (type === 'foreach') out.push({ group: p.name, label: 'Current item', expr: `items('${q(p.name)}')` });
      else if (type === 'compose') out.push({ group: p.name, label: 'Outputs', expr: `outputs('${q(p.name)}')` });
      else if (['if', 'switch', 'scope', 'until'].includes(type)) out.push({ group: p.name, label: 'Result', expr: `result('${q(p.name)}')` });
      else {
        out.push({ group: p.name, label: 'Body', expr: `body('${q(p.name)}')` });
        if (type === 'parsejson') {
          const step = allActions(def).find((a) => a.ref.name === p.name)?.step;
          for (const prop of schemaProperties(isObject(step?.inputs) ? step.inputs.schema : undefined)) {
            out.push({ group: p.name, label: prop, expr: `body('${q(p.name)}')?['${q(prop)}']` });
          }
        }
        if (type === 'http' || type === 'httpwebhook') out.push({ group: p.name, label: 'Headers', expr: `outputs('${q(p.name)}')?['headers']` });
        if (type === 'http') out.push({ group: p.name, label: 'Status code', expr: `outputs('${q(p.name)}')?['statusCode']` });
      }
    }
    for (const a of allActions(def)) {
      if (String(a.step.type).toLowerCase() !== 'initializevariable') continue;
      const vars = isObject(a.step.inputs) && Array.isArray(a.step.inputs.variables) ? a.step.inputs.variables : [];
      for (const v of vars) if (isObject(v) && typeof v.name === 'string' && v.name) out.push({ group: 'Variables', label: v.name, expr: `variables('${q(v.name)}')` });
    }
  }
  const params = isObject(def.parameters) ? Object.keys(def.parameters) : [];
  for (const p of params) out.push({ group: 'Parameters', label: p, expr: `parameters('${q(p)}')` });
  return out;
}

/** The top-level property names of a JSON schema object. */
function schemaProperties(schema: unknown): string[] {
  return isObject(schema) && isObject(schema.properties) ? Object.keys(schema.properties) : [];
}

function q(s: string): string {
  return s.replace(/'/g, "''");
}

/** The field value after inserting `expr`: the expression itself into an empty field,
 * an interpolation `@{…}` otherwise. */
export function insertDynamic(current: string, expr: string): string {
  if (!current) return `@${expr}`;
  if (current.startsWith('@') && !current.startsWith('@{') && !current.startsWith('@@')) {
    return `@{${current.slice(1)}}@{${expr}}`;
  }
  return `${current}@{${expr}}`;
}
