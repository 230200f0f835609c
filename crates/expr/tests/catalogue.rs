//! The catalogue is complete: every function of the reference's catalogue (digest §11.2,
//! from the Logic Apps function reference) resolves, and no name is registered twice.

/// Every function name in the reference's catalogue, as it spells them.
#[rustfmt::skip]
const REFERENCE_CATALOGUE: &[&str] = &[
    // String
    "concat", "endsWith", "startsWith", "formatNumber", "guid", "indexOf", "lastIndexOf",
    "nthIndexOf", "isFloat", "isInt", "length", "replace", "slice", "split", "substring",
    "toLower", "toUpper", "trim", "chunk",
    // Collection
    "contains", "empty", "first", "last", "intersection", "union", "join", "reverse", "skip",
    "take", "sort",
    // Logical comparison
    "and", "or", "not", "equals", "greater", "greaterOrEquals", "less", "lessOrEquals", "if",
    // Conversion
    "array", "createArray", "base64", "base64ToString", "base64ToBinary", "binary", "bool",
    "dataUri", "dataUriToString", "dataUriToBinary", "decimal", "decodeBase64",
    "decodeDataUri", "decodeUriComponent", "encodeUriComponent", "float", "int", "json",
    "string", "uriComponent", "uriComponentToString", "uriComponentToBinary", "xml",
    // Math
    "add", "sub", "mul", "div", "mod", "max", "min", "rand", "range",
    // Date and time
    "addDays", "addHours", "addMinutes", "addSeconds", "addToTime", "subtractFromTime",
    "getFutureTime", "getPastTime", "convertFromUtc", "convertToUtc", "convertTimeZone",
    "dateDifference", "dayOfMonth", "dayOfWeek", "dayOfYear", "formatDateTime",
    "parseDateTime", "startOfDay", "startOfHour", "startOfMonth", "ticks", "utcNow",
    // URI parsing
    "uriHost", "uriPath", "uriPathAndQuery", "uriPort", "uriQuery", "uriScheme",
    // JSON and XML manipulation
    "addProperty", "setProperty", "removeProperty", "coalesce", "xpath",
    // Workflow
    "trigger", "triggers", "triggerOutputs", "triggerBody", "triggerFormDataValue",
    "triggerFormDataMultiValues", "triggerMultipartBody", "actions", "action", "outputs",
    "body", "formDataValue", "formDataMultiValues", "multipartBody", "result", "variables",
    "parameters", "listCallbackUrl", "workflow", "item", "items", "iterationIndexes",
];

#[test]
fn every_reference_function_is_implemented_under_its_own_name() {
    let missing: Vec<&str> = REFERENCE_CATALOGUE
        .iter()
        .copied()
        .filter(|name| hookflow_expr::lookup_function(name).is_none_or(|f| f.name != *name))
        .collect();
    assert!(missing.is_empty(), "missing or misspelled: {missing:?}");
}

#[test]
fn names_resolve_ignoring_case() {
    for name in REFERENCE_CATALOGUE {
        let upper = name.to_uppercase();
        assert_eq!(
            hookflow_expr::lookup_function(&upper).map(|f| f.name),
            Some(*name)
        );
    }
}

#[test]
fn no_function_is_registered_twice() {
    let mut seen = std::collections::HashSet::new();
    for function in hookflow_expr::all_functions() {
        assert!(
            seen.insert(function.name.to_ascii_lowercase()),
            "'{}' is registered twice",
            function.name
        );
    }
}
