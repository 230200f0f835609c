// Which saved version of the workflow a run started on. The run view draws that version's
// steps, not the workflow's current ones: a step added or removed since would otherwise
// show as "did not run" or vanish from the run.

import type { Run } from '../api';

/** The run's version id (Logic Apps' `properties.workflow.name`, else hookflow's
 * `properties.version`); undefined from a server that records none. */
export function runVersion(run: Run): string | undefined {
  return run.properties.workflow?.name ?? run.properties.version;
}

/** The API path of that version, or null when the run names none. */
export function versionPath(wf: string, run: Run): string | null {
  const v = runVersion(run);
  return v ? `/workflows/${encodeURIComponent(wf)}/versions/${encodeURIComponent(v)}` : null;
}
