//! Recognising the three shapes a definition arrives in: a bare definition, a
//! Standard-style `workflow.json` (`{"definition": …}`) and a resource
//! (`{"properties": {"definition": …}}`), with the workflow-level parameter values that sit
//! beside the definition (`{"parameters": {"name": {"value": …}}}`).

use crate::error::Pointer;
use serde_json::{Map, Value};

/// Where the definition is inside a document.
#[derive(Debug, Clone)]
pub(crate) struct Located<'a> {
    pub definition: &'a Value,
    /// Pointer of the definition object in the document as given.
    pub pointer: Pointer,
    /// The sibling `parameters` object holding values (`{"name": {"value": …}}`), if any.
    pub parameter_values: Option<(&'a Value, Pointer)>,
}

/// Which shape a document has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentShape {
    /// `{"$schema"…, "triggers"…, "actions"…}`
    Bare,
    /// `{"definition": …, "kind"?, "parameters"?}`
    Workflow,
    /// `{"properties": {"definition": …, "parameters"?}}`
    Resource,
}

/// Finds the definition. A document with `properties.definition` is a resource; one with
/// a top-level `definition` object is a workflow file; anything else is read as a bare
/// definition.
pub(crate) fn locate(doc: &Value) -> (DocumentShape, Located<'_>) {
    let root = Pointer::root();
    if let Some(props) = doc.get("properties").and_then(Value::as_object) {
        if let Some(definition) = props.get("definition") {
            let base = root.key("properties");
            return (
                DocumentShape::Resource,
                Located {
                    definition,
                    pointer: base.key("definition"),
                    parameter_values: values_of(props, &base),
                },
            );
        }
    }
    if let Some(obj) = doc.as_object() {
        if let Some(definition) = obj.get("definition").filter(|d| d.is_object()) {
            return (
                DocumentShape::Workflow,
                Located {
                    definition,
                    pointer: root.key("definition"),
                    parameter_values: values_of(obj, &root),
                },
            );
        }
    }
    (
        DocumentShape::Bare,
        Located {
            definition: doc,
            pointer: root,
            parameter_values: None,
        },
    )
}

fn values_of<'a>(
    container: &'a Map<String, Value>,
    base: &Pointer,
) -> Option<(&'a Value, Pointer)> {
    container
        .get("parameters")
        .map(|values| (values, base.key("parameters")))
}
