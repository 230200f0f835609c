// Small type markers for steps: a letter badge with a colour per family.

const FAMILY: Record<string, { label: string; color: string }> = {
  request: { label: 'RQ', color: '#2563eb' },
  httpwebhook: { label: 'WH', color: '#7c3aed' },
  http: { label: 'HT', color: '#0891b2' },
  response: { label: 'RS', color: '#2563eb' },
  recurrence: { label: 'RC', color: '#0d9488' },
  compose: { label: '{}', color: '#475569' },
  parsejson: { label: 'PJ', color: '#475569' },
  if: { label: 'IF', color: '#d97706' },
  switch: { label: 'SW', color: '#d97706' },
  scope: { label: 'SC', color: '#64748b' },
  foreach: { label: 'FE', color: '#ca8a04' },
  until: { label: 'UN', color: '#ca8a04' },
  wait: { label: 'DL', color: '#0d9488' },
  terminate: { label: 'TM', color: '#dc2626' },
};

export function typeLabel(type: string): string {
  const t = type.toLowerCase();
  const names: Record<string, string> = {
    request: 'Request',
    httpwebhook: 'HTTP Webhook',
    http: 'HTTP',
    response: 'Response',
    recurrence: 'Recurrence',
    compose: 'Compose',
    parsejson: 'Parse JSON',
    if: 'Condition',
    switch: 'Switch',
    scope: 'Scope',
    foreach: 'For each',
    until: 'Until',
    wait: 'Delay',
    terminate: 'Terminate',
    initializevariable: 'Initialize variable',
    setvariable: 'Set variable',
    incrementvariable: 'Increment variable',
    decrementvariable: 'Decrement variable',
    appendtoarrayvariable: 'Append to array variable',
    appendtostringvariable: 'Append to string variable',
  };
  return names[t] ?? type;
}

export function TypeIcon({ type }: { type: string }) {
  const t = type.toLowerCase();
  const f = FAMILY[t] ?? (t.includes('variable') ? { label: 'VA', color: '#9333ea' } : { label: type.slice(0, 2).toUpperCase(), color: '#64748b' });
  return (
    <span className="type-icon" style={{ background: f.color }} aria-hidden="true">
      {f.label}
    </span>
  );
}
