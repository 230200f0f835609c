//! The `runAfter` graph: every predecessor is a sibling in the same container (and the
//! same branch), and the edges form no cycle.

use super::{BranchSlot, Validator};
use crate::error::ErrorCode;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// A container is identified by its parent action (none at the top level) and branch.
type Container = (Option<usize>, BranchSlot);
/// `(from, to)`: `from` runs after `to`.
type Edges = Vec<(usize, usize)>;

impl Validator<'_> {
    pub(super) fn check_run_after(&mut self) {
        // Edges per container: (parent, slot) -> [(from, to)], `from` runs after `to`.
        let mut containers: HashMap<Container, Edges> = HashMap::new();
        for index in 0..self.actions.len() {
            let Some(node) = self.actions.get(index) else {
                continue;
            };
            let (name, pointer, parent, slot) = (
                node.name,
                node.pointer.clone(),
                node.parent,
                node.slot.clone(),
            );
            containers.entry((parent, slot.clone())).or_default();
            let Some(Value::Object(run_after)) = node.json.and_then(|o| o.get("runAfter")) else {
                continue;
            };
            for predecessor in run_after.keys() {
                let at = pointer.key("runAfter").key(predecessor);
                let Some(target) = self.action_named(predecessor) else {
                    self.error(
                        &at,
                        Some(name),
                        ErrorCode::InvalidRunAfter,
                        format!("runAfter names '{predecessor}', which is not an action of this workflow"),
                    );
                    continue;
                };
                let Some(target_node) = self.actions.get(target) else {
                    continue;
                };
                if target == index {
                    self.error(
                        &at,
                        Some(name),
                        ErrorCode::RunAfterCycle,
                        "an action cannot run after itself",
                    );
                    continue;
                }
                if target_node.parent != parent || target_node.slot != slot {
                    self.error(
                        &at,
                        Some(name),
                        ErrorCode::InvalidRunAfter,
                        format!(
                            "runAfter names '{}', which is not in the same container as '{name}'; an action may only run after its siblings",
                            target_node.name
                        ),
                    );
                    continue;
                }
                if let Some(edges) = containers.get_mut(&(parent, slot.clone())) {
                    edges.push((index, target));
                }
            }
        }
        let mut cycles: Vec<Vec<usize>> = containers
            .into_values()
            .filter_map(|edges| find_cycle_members(&edges))
            .collect();
        cycles.sort();
        for members in cycles {
            let Some(&first) = members.first() else {
                continue;
            };
            let names: Vec<String> = members
                .iter()
                .filter_map(|&i| self.actions.get(i).map(|n| format!("'{}'", n.name)))
                .collect();
            let Some(node) = self.actions.get(first) else {
                continue;
            };
            let (name, at) = (node.name, node.pointer.key("runAfter"));
            self.error(
                &at,
                Some(name),
                ErrorCode::RunAfterCycle,
                format!("runAfter forms a cycle between {}", names.join(", ")),
            );
        }
    }
}

/// The actions that are on (or between) cycles of a container's runAfter graph, in
/// document order; `None` when there is no cycle. Iterative, so deep chains are safe.
fn find_cycle_members(edges: &[(usize, usize)]) -> Option<Vec<usize>> {
    let mut nodes: HashSet<usize> = HashSet::new();
    for &(a, b) in edges {
        nodes.insert(a);
        nodes.insert(b);
    }
    // Trim nodes without predecessors, then nodes without successors, until stable.
    loop {
        let before = nodes.len();
        let has_in: HashSet<usize> = edges
            .iter()
            .filter(|(a, b)| nodes.contains(a) && nodes.contains(b))
            .map(|&(a, _)| a)
            .collect();
        nodes.retain(|n| has_in.contains(n));
        let has_out: HashSet<usize> = edges
            .iter()
            .filter(|(a, b)| nodes.contains(a) && nodes.contains(b))
            .map(|&(_, b)| b)
            .collect();
        nodes.retain(|n| has_out.contains(n));
        if nodes.len() == before {
            break;
        }
    }
    if nodes.is_empty() {
        return None;
    }
    let mut members: Vec<usize> = nodes.into_iter().collect();
    members.sort_unstable();
    Some(members)
}
