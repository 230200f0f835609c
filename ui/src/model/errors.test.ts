import { describe, expect, it } from 'vitest';
import { Definition } from './definition';
import { notSavedTitle, placeErrors, remainingErrors } from './errors';

const def = (actions: Record<string, unknown>): Definition =>
  ({ triggers: { manual: { type: 'Request', kind: 'Http' } }, actions }) as unknown as Definition;

const withSummary = def({
  Keep: { type: 'Compose', inputs: 1, runAfter: {} },
  Summary: { type: 'Compose', inputs: '@notAFunction(1)', runAfter: { Keep: ['Succeeded'] } },
});

const details = [
  { message: 'unknown function', target: '/properties/definition/actions/Summary/inputs' },
  { message: 'the definition is odd' },
];

describe('remainingErrors', () => {
  it('keeps every error while its step is still there', () => {
    const placed = placeErrors(withSummary, details);
    expect(remainingErrors(placed, withSummary)).toBe(placed);
    expect(placed.all).toHaveLength(2);
    expect(placed.byStep.size).toBe(1);
  });

  it('drops the errors of a step that was removed, and only those', () => {
    const placed = placeErrors(withSummary, details);
    const after = remainingErrors(placed, def({ Keep: { type: 'Compose', inputs: 1, runAfter: {} } }));
    expect(after.byStep.size).toBe(0);
    expect(after.all.map((e) => e.message)).toEqual(['the definition is odd']);
    expect(after.general).toEqual(placed.general);
  });

  it('leaves nothing when every error was at a removed step', () => {
    const placed = placeErrors(withSummary, details.slice(0, 1));
    const after = remainingErrors(placed, def({ Other: { type: 'Compose', inputs: 2, runAfter: {} } }));
    expect(after.all).toHaveLength(0);
  });
});

describe('notSavedTitle', () => {
  it('counts errors in words', () => {
    expect(notSavedTitle(1)).toBe('The workflow was not saved: 1 validation error.');
    expect(notSavedTitle(3)).toBe('The workflow was not saved: 3 validation errors.');
  });
});
