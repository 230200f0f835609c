//! The OData subset of list endpoints: `$top`, `$filter` and `$skiptoken`.
//!
//! `$filter` accepts exactly one comparison, `<field> eq '<value>'`, where the field is the
//! one the endpoint filters on (`status` for runs, actions and histories; `state` for
//! workflows). Anything else is a 400 that says what is supported, because a filter that
//! is silently ignored returns wrong data.

use crate::error::AppError;
use crate::model::{Status, WorkflowState};

/// The most items one page may ask for.
pub const MAX_TOP: u32 = 1000;

/// A parsed list query. Unknown parameters (e.g. `api-version` sent by Azure tooling) are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    pub top: Option<u32>,
    pub filter: Option<Filter>,
    /// The continuation a previous page's `nextLink` carried.
    pub skip_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Filter {
    Status(Status),
    State(WorkflowState),
}

/// Which field an endpoint filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    Status,
    State,
}

impl FilterField {
    fn name(self) -> &'static str {
        match self {
            FilterField::Status => "status",
            FilterField::State => "state",
        }
    }

    fn values(self) -> Vec<&'static str> {
        match self {
            FilterField::Status => Status::ALL.iter().map(|s| s.as_str()).collect(),
            FilterField::State => WorkflowState::ALL.iter().map(|s| s.as_str()).collect(),
        }
    }
}

impl ListQuery {
    /// Parses the raw query string of a list request.
    pub fn parse(raw: Option<&str>, field: FilterField) -> Result<ListQuery, AppError> {
        let mut query = ListQuery::default();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "$top" => query.top = Some(parse_top(&value)?),
                "$filter" => query.filter = Some(parse_filter(&value, field)?),
                "$skiptoken" => query.skip_token = Some(value.into_owned()),
                _ => {}
            }
        }
        Ok(query)
    }

    /// Parses the query of a list that has nothing to filter on (versions): a `$filter`
    /// is refused rather than ignored, for the same reason as a wrong one.
    pub fn parse_unfiltered(raw: Option<&str>) -> Result<ListQuery, AppError> {
        let filtered = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .any(|(key, _)| key == "$filter");
        if filtered {
            return Err(AppError::invalid(
                "InvalidFilter",
                "This list cannot be filtered; leave out $filter.",
            ));
        }
        // The field is never consulted: there is no $filter left to parse.
        ListQuery::parse(raw, FilterField::Status)
    }

    /// The query string a `nextLink` carries: the same `$top`/`$filter` and the token.
    pub fn next_link_query(&self, token: &str) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if let Some(top) = self.top {
            out.append_pair("$top", &top.to_string());
        }
        match self.filter {
            Some(Filter::Status(status)) => {
                out.append_pair("$filter", &format!("status eq '{}'", status.as_str()));
            }
            Some(Filter::State(state)) => {
                out.append_pair("$filter", &format!("state eq '{}'", state.as_str()));
            }
            None => {}
        }
        out.append_pair("$skiptoken", token);
        out.finish()
    }
}

fn parse_top(value: &str) -> Result<u32, AppError> {
    match value.trim().parse::<u32>() {
        Ok(top) if (1..=MAX_TOP).contains(&top) => Ok(top),
        _ => Err(AppError::invalid(
            "InvalidQueryParameter",
            format!("$top must be a whole number from 1 to {MAX_TOP}, not '{value}'."),
        )),
    }
}

fn parse_filter(text: &str, field: FilterField) -> Result<Filter, AppError> {
    let values = field.values();
    let supported = || {
        format!(
            "The $filter '{text}' is not supported: use {} eq '<value>' with one of {}.",
            field.name(),
            values.join(", ")
        )
    };
    let invalid = |message: String| AppError::invalid("InvalidFilter", message);
    let mut words = text.trim().splitn(3, char::is_whitespace);
    let (Some(name), Some(op), Some(literal)) = (words.next(), words.next(), words.next()) else {
        return Err(invalid(supported()));
    };
    let literal = literal.trim();
    if !name.eq_ignore_ascii_case(field.name()) || !op.eq_ignore_ascii_case("eq") {
        return Err(invalid(supported()));
    }
    let Some(inner) = literal
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
    else {
        return Err(invalid(supported()));
    };
    // OData escapes a quote inside a literal as ''; no valid value contains one, so a
    // quote left inside means a second clause or garbage.
    if inner.contains('\'') {
        return Err(invalid(supported()));
    }
    let found = values
        .iter()
        .position(|v| v.eq_ignore_ascii_case(inner))
        .ok_or_else(|| invalid(supported()))?;
    Ok(match field {
        FilterField::Status => Filter::Status(Status::ALL[found]),
        FilterField::State => Filter::State(WorkflowState::ALL[found]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_filters_parse_case_insensitively() {
        let q = ListQuery::parse(
            Some("%24filter=Status%20eq%20%27running%27&%24top=5"),
            FilterField::Status,
        )
        .expect("valid");
        assert_eq!(q.filter, Some(Filter::Status(Status::Running)));
        assert_eq!(q.top, Some(5));
    }

    #[test]
    fn bad_filters_are_invalid() {
        for bad in [
            "status eq Running",
            "status ne 'Running'",
            "state eq 'Enabled'",
            "status eq 'Nope'",
            "status eq 'Running' or status eq 'Failed'",
            "status",
            "",
        ] {
            let raw = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("$filter", bad)
                .finish();
            let err = ListQuery::parse(Some(&raw), FilterField::Status).expect_err(bad);
            assert_eq!(err.code(), "InvalidFilter", "{bad}");
        }
    }

    #[test]
    fn unfiltered_lists_refuse_a_filter_but_keep_top_and_token() {
        let err = ListQuery::parse_unfiltered(Some("%24filter=status%20eq%20%27Running%27"))
            .expect_err("a filter");
        assert_eq!(err.code(), "InvalidFilter");
        let q = ListQuery::parse_unfiltered(Some("%24top=2&%24skiptoken=abc")).expect("valid");
        assert_eq!(q.top, Some(2));
        assert_eq!(q.skip_token.as_deref(), Some("abc"));
    }

    #[test]
    fn next_link_keeps_top_and_filter() {
        let q = ListQuery {
            top: Some(2),
            filter: Some(Filter::Status(Status::Failed)),
            skip_token: None,
        };
        let again = ListQuery::parse(Some(&q.next_link_query("abc")), FilterField::Status)
            .expect("round trip");
        assert_eq!(again.top, Some(2));
        assert_eq!(again.filter, q.filter);
        assert_eq!(again.skip_token.as_deref(), Some("abc"));
    }
}
