import { describe, expect, it } from 'vitest';
import type { Run } from '../api';
import { runVersion, versionPath } from './version';

const run = (extra: Partial<Run['properties']>): Run => ({
  name: 'R1',
  properties: { status: 'Succeeded', startTime: '2026-01-01T00:00:00Z', trigger: { name: 'manual', status: 'Succeeded' }, ...extra },
});

describe('runVersion', () => {
  it('prefers the Logic Apps reference, then hookflow’s field', () => {
    expect(runVersion(run({ workflow: { name: '00000000000000000002' }, version: 'x' }))).toBe('00000000000000000002');
    expect(runVersion(run({ version: '00000000000000000001' }))).toBe('00000000000000000001');
    expect(runVersion(run({}))).toBeUndefined();
  });

  it('builds the version path with both names encoded', () => {
    expect(versionPath('my flow', run({ version: '1' }))).toBe('/workflows/my%20flow/versions/1');
    expect(versionPath('wf', run({}))).toBeNull();
  });
});
