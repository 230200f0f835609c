// One schema per trigger and action type: what the catalogue offers, the step a pick
// creates, and the parameter form the side panel generates. Forms are data, so they are
// unit-tested without a browser.

import { getAt, Json, JsonObject } from './definition';

export type FieldKind =
  | 'text'
  | 'expression'
  | 'select'
  | 'json'
  | 'number'
  | 'duration'
  | 'headers'
  | 'auth'
  | 'retry'
  | 'condition'
  | 'cases'
  | 'schema'
  | 'group';

export interface Field {
  /** Stable id, also the DOM id suffix. */
  id: string;
  /** Where the value lives inside the step. */
  path: string[];
  label: string;
  kind: FieldKind;
  required?: boolean;
  /** Offered under "Add new parameter" instead of shown from the start. */
  advanced?: boolean;
  options?: string[];
  placeholder?: string;
  help?: string;
  /** `listCallbackUrl()` is valid here (HttpWebhook subscribe/unsubscribe). */
  callbackUrl?: boolean;
  /** Group fields: their parts (paths relative to the step, like any field). */
  fields?: Field[];
  /** The value set when an advanced field is added. */
  initial?: Json;
}

export type Role = 'trigger' | 'action';

export interface TypeSchema {
  /** Catalogue id, unique. */
  id: string;
  role: Role;
  /** The definition's `type` (and `kind` where it tells entries apart). */
  type: string;
  kind?: string;
  title: string;
  description: string;
  keywords: string[];
  /** Suggested step name. */
  name: string;
  fields: Field[];
  template(): JsonObject;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function webhookFields(prefix: 'trigger' | 'action'): Field[] {
  const part = (which: 'subscribe' | 'unsubscribe', label: string, required: boolean): Field[] => [
    {
      id: `${which}-method`,
      path: ['inputs', which, 'method'],
      label: `${label} - Method`,
      kind: 'select',
      options: METHODS,
      required,
    },
    {
      id: `${which}-uri`,
      path: ['inputs', which, 'uri'],
      label: `${label} - URI`,
      kind: 'expression',
      required,
      placeholder: 'https://service.example/subscribe',
      callbackUrl: true,
    },
    {
      id: `${which}-body`,
      path: ['inputs', which, 'body'],
      label: `${label} - Body`,
      kind: 'json',
      placeholder: '{ "callbackUrl": "@{listCallbackUrl()}" }',
      callbackUrl: true,
    },
  ];
  const fields: Field[] = [
    ...part('subscribe', 'Subscribe', true),
    {
      id: 'unsubscribe',
      path: ['inputs', 'unsubscribe'],
      label: 'Unsubscribe',
      kind: 'group',
      advanced: true,
      help:
        prefix === 'trigger'
          ? 'Called when the subscription ends: the workflow is disabled or deleted, or the trigger removed or changed.'
          : 'Called when the wait ends: the callback came, the action timed out or the run was cancelled.',
      fields: part('unsubscribe', 'Unsubscribe', false),
      initial: { method: 'POST', uri: '', body: { callbackUrl: '@{listCallbackUrl()}' } },
    },
    {
      id: 'subscribe-headers',
      path: ['inputs', 'subscribe', 'headers'],
      label: 'Subscribe - Headers',
      kind: 'headers',
      advanced: true,
      initial: {},
    },
    {
      id: 'subscribe-authentication',
      path: ['inputs', 'subscribe', 'authentication'],
      label: 'Subscribe - Authentication',
      kind: 'auth',
      advanced: true,
      initial: { type: 'Basic', username: '', password: '' },
    },
    {
      id: 'subscribe-retry',
      path: ['inputs', 'subscribe', 'retryPolicy'],
      label: 'Subscribe - Retry policy',
      kind: 'retry',
      advanced: true,
      initial: { type: 'fixed', count: 3, interval: 'PT10S' },
    },
  ];
  if (prefix === 'action') {
    fields.push({
      id: 'timeout',
      path: ['limit', 'timeout'],
      label: 'Timeout',
      kind: 'duration',
      advanced: true,
      placeholder: 'PT1H',
      help: 'ISO 8601 duration; the action times out (status TimedOut) when no callback came by then.',
      initial: 'PT1H',
    });
  }
  return fields;
}

function webhookTemplate(): JsonObject {
  return { type: 'HttpWebhook', inputs: { subscribe: { method: 'POST', uri: '', body: { callbackUrl: '@{listCallbackUrl()}' } } } };
}

const httpFields: Field[] = [
  { id: 'method', path: ['inputs', 'method'], label: 'Method', kind: 'select', options: METHODS, required: true },
  { id: 'uri', path: ['inputs', 'uri'], label: 'URI', kind: 'expression', required: true, placeholder: 'https://' },
  { id: 'headers', path: ['inputs', 'headers'], label: 'Headers', kind: 'headers' },
  { id: 'queries', path: ['inputs', 'queries'], label: 'Queries', kind: 'headers', advanced: true, initial: {} },
  { id: 'body', path: ['inputs', 'body'], label: 'Body', kind: 'json' },
  { id: 'authentication', path: ['inputs', 'authentication'], label: 'Authentication', kind: 'auth', advanced: true, initial: { type: 'Basic', username: '', password: '' } },
  { id: 'retry', path: ['inputs', 'retryPolicy'], label: 'Retry policy', kind: 'retry', advanced: true, initial: { type: 'fixed', count: 3, interval: 'PT10S' } },
  { id: 'timeout', path: ['limit', 'timeout'], label: 'Timeout', kind: 'duration', advanced: true, placeholder: 'PT2M', initial: 'PT2M' },
];

const variableTypes = ['string', 'integer', 'float', 'boolean', 'array', 'object'];

function variableAction(type: string, title: string, description: string, keywords: string[]): TypeSchema {
  const value: Field =
    type === 'IncrementVariable' || type === 'DecrementVariable'
      ? { id: 'value', path: ['inputs', 'value'], label: 'Value', kind: 'number', placeholder: '1' }
      : { id: 'value', path: ['inputs', 'value'], label: 'Value', kind: 'json', required: type === 'SetVariable' ? false : true };
  return {
    id: type,
    role: 'action',
    type,
    title,
    description,
    keywords: ['variable', ...keywords],
    name: title.replace(/\s+/g, '_'),
    fields: [{ id: 'name', path: ['inputs', 'name'], label: 'Name', kind: 'text', required: true, help: 'The variable, as declared by Initialize variable.' }, value],
    template: () => ({ type, inputs: { name: '', value: type.endsWith('crementVariable') ? 1 : '' } }),
  };
}

export const SCHEMAS: TypeSchema[] = [
  {
    id: 'trigger:Request',
    role: 'trigger',
    type: 'Request',
    kind: 'Http',
    title: 'When a HTTP request is received',
    description: 'Starts a run when its signed callback URL is called.',
    keywords: ['request', 'http', 'manual', 'callback', 'webhook', 'inbound'],
    name: 'manual',
    fields: [
      { id: 'method', path: ['inputs', 'method'], label: 'Method', kind: 'select', options: ['', ...METHODS], help: 'Empty: any method.' },
      { id: 'relative-path', path: ['inputs', 'relativePath'], label: 'Relative path', kind: 'text', placeholder: 'orders/{id}' },
      { id: 'schema', path: ['inputs', 'schema'], label: 'Request Body JSON Schema', kind: 'schema' },
    ],
    template: () => ({ type: 'Request', kind: 'Http', inputs: { schema: {} } }),
  },
  {
    id: 'trigger:HttpWebhook',
    role: 'trigger',
    type: 'HttpWebhook',
    title: 'HTTP Webhook',
    description: 'Subscribes to a service with a callback URL; every callback starts a run.',
    keywords: ['http', 'webhook', 'subscribe', 'callback', 'event'],
    name: 'HTTP_Webhook',
    fields: webhookFields('trigger'),
    template: webhookTemplate,
  },
  {
    id: 'trigger:Recurrence',
    role: 'trigger',
    type: 'Recurrence',
    title: 'Recurrence',
    description: 'Starts a run on a schedule.',
    keywords: ['schedule', 'timer', 'recurrence', 'cron'],
    name: 'Recurrence',
    fields: [
      { id: 'frequency', path: ['recurrence', 'frequency'], label: 'Frequency', kind: 'select', options: ['Second', 'Minute', 'Hour', 'Day', 'Week', 'Month'], required: true },
      { id: 'interval', path: ['recurrence', 'interval'], label: 'Interval', kind: 'number', required: true },
      { id: 'start', path: ['recurrence', 'startTime'], label: 'Start time', kind: 'text', advanced: true, placeholder: '2026-01-01T00:00:00Z', initial: '' },
      { id: 'tz', path: ['recurrence', 'timeZone'], label: 'Time zone', kind: 'text', advanced: true, placeholder: 'W. Europe Standard Time', initial: '' },
    ],
    template: () => ({ type: 'Recurrence', recurrence: { frequency: 'Hour', interval: 1 } }),
  },
  {
    id: 'action:HttpWebhook',
    role: 'action',
    type: 'HttpWebhook',
    title: 'HTTP Webhook',
    description: 'Subscribes with a callback URL and waits until the service calls back.',
    keywords: ['http', 'webhook', 'subscribe', 'callback', 'wait', 'approval'],
    name: 'HTTP_Webhook',
    fields: webhookFields('action'),
    template: webhookTemplate,
  },
  {
    id: 'action:Http',
    role: 'action',
    type: 'Http',
    title: 'HTTP',
    description: 'Calls an HTTP endpoint.',
    keywords: ['http', 'request', 'rest', 'api', 'call'],
    name: 'HTTP',
    fields: httpFields,
    template: () => ({ type: 'Http', inputs: { method: 'GET', uri: '' } }),
  },
  {
    id: 'action:Response',
    role: 'action',
    type: 'Response',
    kind: 'Http',
    title: 'Response',
    description: 'Answers the request that started the run.',
    keywords: ['response', 'reply', 'http', 'return'],
    name: 'Response',
    fields: [
      { id: 'status', path: ['inputs', 'statusCode'], label: 'Status Code', kind: 'number', required: true, placeholder: '200' },
      { id: 'headers', path: ['inputs', 'headers'], label: 'Headers', kind: 'headers' },
      { id: 'body', path: ['inputs', 'body'], label: 'Body', kind: 'json' },
    ],
    template: () => ({ type: 'Response', kind: 'Http', inputs: { statusCode: 200 } }),
  },
  {
    id: 'action:Compose',
    role: 'action',
    type: 'Compose',
    title: 'Compose',
    description: 'Builds a value from expressions and constants.',
    keywords: ['compose', 'data', 'value', 'expression'],
    name: 'Compose',
    fields: [{ id: 'inputs', path: ['inputs'], label: 'Inputs', kind: 'json', required: true }],
    template: () => ({ type: 'Compose', inputs: '' }),
  },
  {
    id: 'action:If',
    role: 'action',
    type: 'If',
    title: 'Condition',
    description: 'Runs the True or the False branch.',
    keywords: ['condition', 'if', 'control', 'branch', 'else'],
    name: 'Condition',
    fields: [{ id: 'expression', path: ['expression'], label: 'Condition', kind: 'condition', required: true }],
    template: () => ({ type: 'If', expression: { and: [{ equals: ['', ''] }] }, actions: {}, else: { actions: {} } }),
  },
  {
    id: 'action:Switch',
    role: 'action',
    type: 'Switch',
    title: 'Switch',
    description: 'Runs the case that matches a value.',
    keywords: ['switch', 'case', 'control', 'branch'],
    name: 'Switch',
    fields: [
      { id: 'on', path: ['expression'], label: 'On', kind: 'expression', required: true, placeholder: "@triggerBody()?['kind']" },
      { id: 'cases', path: ['cases'], label: 'Cases', kind: 'cases' },
    ],
    template: () => ({ type: 'Switch', expression: '', cases: { Case: { case: '', actions: {} } }, default: { actions: {} } }),
  },
  {
    id: 'action:Scope',
    role: 'action',
    type: 'Scope',
    title: 'Scope',
    description: 'Groups actions; its status is theirs.',
    keywords: ['scope', 'group', 'try', 'catch', 'control'],
    name: 'Scope',
    fields: [],
    template: () => ({ type: 'Scope', actions: {} }),
  },
  {
    id: 'action:Foreach',
    role: 'action',
    type: 'Foreach',
    title: 'For each',
    description: 'Runs its actions for every item of an array.',
    keywords: ['for each', 'foreach', 'loop', 'apply to each', 'iterate', 'control'],
    name: 'For_each',
    fields: [
      { id: 'foreach', path: ['foreach'], label: 'Select an output from previous steps', kind: 'expression', required: true, placeholder: "@triggerBody()?['items']" },
      { id: 'concurrency', path: ['runtimeConfiguration', 'concurrency', 'repetitions'], label: 'Degree of parallelism', kind: 'number', advanced: true, initial: 20 },
      { id: 'sequential', path: ['operationOptions'], label: 'Operation options', kind: 'select', options: ['', 'Sequential'], advanced: true, initial: 'Sequential' },
    ],
    template: () => ({ type: 'Foreach', foreach: '', actions: {} }),
  },
  {
    id: 'action:Until',
    role: 'action',
    type: 'Until',
    title: 'Until',
    description: 'Repeats its actions until a condition holds.',
    keywords: ['until', 'do until', 'loop', 'repeat', 'control'],
    name: 'Until',
    fields: [
      { id: 'expression', path: ['expression'], label: 'Loop until', kind: 'expression', required: true, placeholder: "@equals(variables('done'), true)" },
      { id: 'count', path: ['limit', 'count'], label: 'Count limit', kind: 'number', placeholder: '60' },
      { id: 'timeout', path: ['limit', 'timeout'], label: 'Timeout', kind: 'duration', placeholder: 'PT1H' },
    ],
    template: () => ({ type: 'Until', expression: '', limit: { count: 60, timeout: 'PT1H' }, actions: {} }),
  },
  {
    id: 'action:InitializeVariable',
    role: 'action',
    type: 'InitializeVariable',
    title: 'Initialize variable',
    description: 'Declares a variable with its type and first value.',
    keywords: ['variable', 'initialize', 'declare', 'set'],
    name: 'Initialize_variable',
    fields: [
      { id: 'name', path: ['inputs', 'variables', '0', 'name'], label: 'Name', kind: 'text', required: true },
      { id: 'type', path: ['inputs', 'variables', '0', 'type'], label: 'Type', kind: 'select', options: variableTypes, required: true },
      { id: 'value', path: ['inputs', 'variables', '0', 'value'], label: 'Value', kind: 'json' },
    ],
    template: () => ({ type: 'InitializeVariable', inputs: { variables: [{ name: '', type: 'string', value: '' }] } }),
  },
  variableAction('SetVariable', 'Set variable', 'Sets a variable to a new value.', ['set', 'assign']),
  variableAction('IncrementVariable', 'Increment variable', 'Adds to an integer or float variable.', ['increment', 'add', 'counter']),
  variableAction('DecrementVariable', 'Decrement variable', 'Subtracts from an integer or float variable.', ['decrement', 'subtract', 'counter']),
  variableAction('AppendToArrayVariable', 'Append to array variable', 'Adds an item to an array variable.', ['append', 'array', 'push']),
  variableAction('AppendToStringVariable', 'Append to string variable', 'Adds text to a string variable.', ['append', 'string', 'text']),
  {
    id: 'action:ParseJson',
    role: 'action',
    type: 'ParseJson',
    title: 'Parse JSON',
    description: 'Parses content against a JSON schema, so its fields become dynamic content.',
    keywords: ['parse', 'json', 'schema', 'data'],
    name: 'Parse_JSON',
    fields: [
      { id: 'content', path: ['inputs', 'content'], label: 'Content', kind: 'expression', required: true, placeholder: '@triggerBody()' },
      { id: 'schema', path: ['inputs', 'schema'], label: 'Schema', kind: 'schema', required: true },
    ],
    template: () => ({ type: 'ParseJson', inputs: { content: '', schema: {} } }),
  },
  {
    id: 'action:Wait',
    role: 'action',
    type: 'Wait',
    title: 'Delay',
    description: 'Waits for a while before the next step.',
    keywords: ['delay', 'wait', 'sleep', 'pause', 'timer', 'schedule'],
    name: 'Delay',
    fields: [
      { id: 'count', path: ['inputs', 'interval', 'count'], label: 'Count', kind: 'number', required: true },
      { id: 'unit', path: ['inputs', 'interval', 'unit'], label: 'Unit', kind: 'select', options: ['Second', 'Minute', 'Hour', 'Day', 'Week', 'Month'], required: true },
    ],
    template: () => ({ type: 'Wait', inputs: { interval: { count: 1, unit: 'Minute' } } }),
  },
  {
    id: 'action:Terminate',
    role: 'action',
    type: 'Terminate',
    title: 'Terminate',
    description: 'Ends the run with a status.',
    keywords: ['terminate', 'stop', 'end', 'fail', 'cancel', 'control'],
    name: 'Terminate',
    fields: [
      { id: 'status', path: ['inputs', 'runStatus'], label: 'Status', kind: 'select', options: ['Succeeded', 'Failed', 'Cancelled'], required: true },
      { id: 'code', path: ['inputs', 'runError', 'code'], label: 'Code', kind: 'text', advanced: true, initial: '' },
      { id: 'message', path: ['inputs', 'runError', 'message'], label: 'Message', kind: 'expression', advanced: true, initial: '' },
    ],
    template: () => ({ type: 'Terminate', inputs: { runStatus: 'Failed' } }),
  },
];

/** The schema for a step (by its role and type, case-insensitive). */
export function schemaFor(role: Role, step: JsonObject): TypeSchema | undefined {
  const type = String(step.type ?? '').toLowerCase();
  return SCHEMAS.find((s) => s.role === role && s.type.toLowerCase() === type);
}

/** Catalogue search: every word of the query must appear in the title, type, description
 * or keywords; title matches first. */
export function searchCatalogue(role: Role, query: string): TypeSchema[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const list = SCHEMAS.filter((s) => s.role === role);
  if (!words.length) return list;
  const phrase = words.join(' ');
  const scored = list
    .map((s) => {
      const title = s.title.toLowerCase();
      const hay = [title, s.type.toLowerCase(), s.description.toLowerCase(), ...s.keywords].join(' ');
      if (!words.every((w) => hay.includes(w))) return null;
      const score = title === phrase ? 0 : title.includes(phrase) ? 1 : s.keywords.includes(phrase) ? 2 : 3;
      return { s, score };
    })
    .filter((x): x is { s: TypeSchema; score: number } => x !== null);
  // A query that names an entry's title exactly shows that entry alone.
  const exact = scored.filter((x) => x.score <= 1 && x.s.title.toLowerCase().includes(phrase));
  const shown = exact.length ? exact : scored;
  return shown.sort((a, b) => a.score - b.score).map((x) => x.s);
}

/** Whether a field is missing a required value. */
export function missingRequired(field: Field, step: JsonObject): boolean {
  if (!field.required) return false;
  const v = getAt(step, field.path);
  return v === undefined || v === null || v === '';
}

/** Every required field of the step without a value (group parts only when the group is there). */
export function requiredErrors(schema: TypeSchema, step: JsonObject): Field[] {
  const out: Field[] = [];
  for (const f of schema.fields) {
    if (f.kind === 'group') {
      if (getAt(step, f.path) !== undefined) {
        for (const p of f.fields ?? []) if (p.required && missingRequired(p, step)) out.push(p);
      }
    } else if (missingRequired(f, step)) out.push(f);
  }
  return out;
}

/** JSON schema from a sample payload ("Use sample payload to generate schema"). */
export function schemaFromSample(sample: Json): JsonObject {
  if (sample === null) return { type: 'null' };
  if (Array.isArray(sample)) {
    return sample.length ? { type: 'array', items: schemaFromSample(sample[0]) } : { type: 'array' };
  }
  switch (typeof sample) {
    case 'string':
      return { type: 'string' };
    case 'number':
      return { type: Number.isInteger(sample) ? 'integer' : 'number' };
    case 'boolean':
      return { type: 'boolean' };
    default: {
      const properties: JsonObject = {};
      for (const [k, v] of Object.entries(sample)) properties[k] = schemaFromSample(v);
      return { type: 'object', properties };
    }
  }
}

/** The authentication types the runtime supports, with their fields. */
export const AUTH_TYPES: { type: string; label: string; fields: { key: string; label: string; secret?: boolean }[] }[] = [
  { type: 'Basic', label: 'Basic', fields: [{ key: 'username', label: 'Username' }, { key: 'password', label: 'Password', secret: true }] },
  { type: 'Raw', label: 'Raw', fields: [{ key: 'value', label: 'Value', secret: true }] },
  {
    type: 'ClientCertificate',
    label: 'Client certificate',
    fields: [{ key: 'pfx', label: 'Pfx', secret: true }, { key: 'password', label: 'Password', secret: true }],
  },
  {
    type: 'ActiveDirectoryOAuth',
    label: 'Active Directory OAuth',
    fields: [
      { key: 'authority', label: 'Authority' },
      { key: 'tenant', label: 'Tenant' },
      { key: 'audience', label: 'Audience' },
      { key: 'clientId', label: 'Client ID' },
      { key: 'secret', label: 'Secret', secret: true },
    ],
  },
];

export const RETRY_TYPES = ['none', 'fixed', 'exponential'];
