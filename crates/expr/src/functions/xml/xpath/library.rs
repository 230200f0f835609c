//! The XPath 1.0 core function library (§4): node-set, string, boolean and number
//! functions. .NET's XPath without an XSLT context offers exactly these.

use super::eval::{parse_number, Ctx, Evaluator, XNode, XValue};
use super::syntax::Expr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    Last,
    Position,
    Count,
    Id,
    LocalName,
    NamespaceUri,
    Name,
    String,
    Concat,
    StartsWith,
    Contains,
    SubstringBefore,
    SubstringAfter,
    Substring,
    StringLength,
    NormalizeSpace,
    Translate,
    Boolean,
    Not,
    True,
    False,
    Lang,
    Number,
    Sum,
    Floor,
    Ceiling,
    Round,
}

/// Name, function, minimum and maximum argument count (`None`: any number).
const TABLE: &[(&str, Func, usize, Option<usize>)] = &[
    ("last", Func::Last, 0, Some(0)),
    ("position", Func::Position, 0, Some(0)),
    ("count", Func::Count, 1, Some(1)),
    ("id", Func::Id, 1, Some(1)),
    ("local-name", Func::LocalName, 0, Some(1)),
    ("namespace-uri", Func::NamespaceUri, 0, Some(1)),
    ("name", Func::Name, 0, Some(1)),
    ("string", Func::String, 0, Some(1)),
    ("concat", Func::Concat, 2, None),
    ("starts-with", Func::StartsWith, 2, Some(2)),
    ("contains", Func::Contains, 2, Some(2)),
    ("substring-before", Func::SubstringBefore, 2, Some(2)),
    ("substring-after", Func::SubstringAfter, 2, Some(2)),
    ("substring", Func::Substring, 2, Some(3)),
    ("string-length", Func::StringLength, 0, Some(1)),
    ("normalize-space", Func::NormalizeSpace, 0, Some(1)),
    ("translate", Func::Translate, 3, Some(3)),
    ("boolean", Func::Boolean, 1, Some(1)),
    ("not", Func::Not, 1, Some(1)),
    ("true", Func::True, 0, Some(0)),
    ("false", Func::False, 0, Some(0)),
    ("lang", Func::Lang, 1, Some(1)),
    ("number", Func::Number, 0, Some(1)),
    ("sum", Func::Sum, 1, Some(1)),
    ("floor", Func::Floor, 1, Some(1)),
    ("ceiling", Func::Ceiling, 1, Some(1)),
    ("round", Func::Round, 1, Some(1)),
];

type Result<T> = std::result::Result<T, String>;

impl Func {
    pub fn lookup(name: &str) -> Option<Func> {
        TABLE
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|(_, func, ..)| *func)
    }

    fn entry(self) -> (&'static str, usize, Option<usize>) {
        TABLE
            .iter()
            .find(|(_, f, ..)| *f == self)
            .map_or(("?", 0, None), |(name, _, min, max)| (*name, *min, *max))
    }

    pub fn check_arity(self, given: usize) -> Result<()> {
        let (name, min, max) = self.entry();
        if given >= min && max.is_none_or(|max| given <= max) {
            return Ok(());
        }
        let expected = match max {
            None => format!("at least {min}"),
            Some(max) if max == min => min.to_string(),
            Some(max) => format!("{min} to {max}"),
        };
        Err(format!(
            "the XPath function '{name}()' takes {expected} argument(s), not {given}"
        ))
    }

    pub fn call<'a, 'i>(
        self,
        ev: &Evaluator<'a, 'i>,
        args: &[Expr],
        ctx: Ctx<'a, 'i>,
    ) -> Result<XValue<'a, 'i>> {
        let value = |i: usize| -> Result<XValue<'a, 'i>> {
            match args.get(i) {
                Some(arg) => ev.eval(arg, ctx),
                None => Err("missing argument".to_string()),
            }
        };
        let string = |i: usize| -> Result<String> { Ok(ev.string(value(i)?)) };
        // Optional string argument: the context node's string-value when absent.
        let string_or_context = || -> Result<String> {
            if args.is_empty() {
                Ok(ev.string_value(ctx.node))
            } else {
                string(0)
            }
        };
        // Optional node-set argument: the first node, or the context node when absent.
        let node_or_context = || -> Result<Option<XNode<'a, 'i>>> {
            match args.first() {
                None => Ok(Some(ctx.node)),
                Some(arg) => Ok(ev.node_set(arg, ctx)?.first().copied()),
            }
        };
        let number = |i: usize| -> Result<f64> { Ok(ev.number(value(i)?)) };
        Ok(match self {
            Func::Last => XValue::Num(ctx.size as f64),
            Func::Position => XValue::Num(ctx.position as f64),
            Func::Count => XValue::Num(node_set(ev, args, ctx)?.len() as f64),
            Func::Id => {
                // IDs come from a DTD, and documents with DTDs are refused.
                value(0)?;
                XValue::Nodes(Vec::new())
            }
            Func::LocalName => XValue::Str(
                node_or_context()?
                    .map_or("", |n| ev.local_name(n))
                    .to_string(),
            ),
            Func::NamespaceUri => XValue::Str(
                node_or_context()?
                    .map_or("", |n| ev.namespace_uri(n))
                    .to_string(),
            ),
            Func::Name => XValue::Str(node_or_context()?.map_or("", |n| ev.name(n)).to_string()),
            Func::String => XValue::Str(string_or_context()?),
            Func::Concat => {
                let mut out = String::new();
                for i in 0..args.len() {
                    out.push_str(&string(i)?);
                }
                XValue::Str(out)
            }
            Func::StartsWith => XValue::Bool(string(0)?.starts_with(&string(1)?)),
            Func::Contains => XValue::Bool(string(0)?.contains(&string(1)?)),
            Func::SubstringBefore => {
                let (text, pattern) = (string(0)?, string(1)?);
                XValue::Str(
                    text.find(&pattern)
                        .and_then(|i| text.get(..i))
                        .unwrap_or_default()
                        .to_string(),
                )
            }
            Func::SubstringAfter => {
                let (text, pattern) = (string(0)?, string(1)?);
                XValue::Str(
                    text.find(&pattern)
                        .and_then(|i| text.get(i + pattern.len()..))
                        .unwrap_or_default()
                        .to_string(),
                )
            }
            Func::Substring => {
                let text = string(0)?;
                let start = round(number(1)?);
                let end = if args.len() > 2 {
                    start + round(number(2)?)
                } else {
                    f64::INFINITY
                };
                // Positions are 1-based; NaN bounds select nothing, as comparisons with
                // NaN are false.
                XValue::Str(
                    text.chars()
                        .enumerate()
                        .filter(|(i, _)| {
                            let p = (*i + 1) as f64;
                            p >= start && p < end
                        })
                        .map(|(_, c)| c)
                        .collect(),
                )
            }
            Func::StringLength => XValue::Num(string_or_context()?.chars().count() as f64),
            Func::NormalizeSpace => XValue::Str(
                string_or_context()?
                    .split([' ', '\t', '\r', '\n'])
                    .filter(|word| !word.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Func::Translate => {
                let (text, from, to) = (string(0)?, string(1)?, string(2)?);
                let from: Vec<char> = from.chars().collect();
                let to: Vec<char> = to.chars().collect();
                XValue::Str(
                    text.chars()
                        .filter_map(|c| match from.iter().position(|f| *f == c) {
                            Some(i) => to.get(i).copied(),
                            None => Some(c),
                        })
                        .collect(),
                )
            }
            Func::Boolean => XValue::Bool(ev.to_bool(&value(0)?)),
            Func::Not => XValue::Bool(!ev.to_bool(&value(0)?)),
            Func::True => XValue::Bool(true),
            Func::False => XValue::Bool(false),
            Func::Lang => XValue::Bool(lang(ctx.node, &string(0)?)),
            Func::Number => XValue::Num(if args.is_empty() {
                parse_number(&ev.string_value(ctx.node))
            } else {
                number(0)?
            }),
            Func::Sum => XValue::Num(
                node_set(ev, args, ctx)?
                    .into_iter()
                    .map(|n| parse_number(&ev.string_value(n)))
                    .sum(),
            ),
            Func::Floor => XValue::Num(number(0)?.floor()),
            Func::Ceiling => XValue::Num(number(0)?.ceil()),
            Func::Round => XValue::Num(round(number(0)?)),
        })
    }
}

fn node_set<'a, 'i>(
    ev: &Evaluator<'a, 'i>,
    args: &[Expr],
    ctx: Ctx<'a, 'i>,
) -> Result<Vec<XNode<'a, 'i>>> {
    match args.first() {
        Some(arg) => ev.node_set(arg, ctx),
        None => Err("missing argument".to_string()),
    }
}

/// XPath `round()`: halves go toward positive infinity; NaN and infinities stay.
fn round(n: f64) -> f64 {
    if !n.is_finite() {
        return n;
    }
    // -0.5 <= n < 0 rounds to negative zero.
    if (-0.5..0.0).contains(&n) {
        return -0.0;
    }
    (n + 0.5).floor()
}

/// `lang(s)`: the nearest `xml:lang` equals `s` or starts with `s-`, ignoring case.
fn lang(node: XNode<'_, '_>, wanted: &str) -> bool {
    let start = match node {
        XNode::Node(n) => n,
        XNode::Attr(e, _) | XNode::Ns(e, _) => e,
    };
    let declared = start
        .ancestors()
        .find_map(|n| n.attribute(("http://www.w3.org/XML/1998/namespace", "lang")));
    declared.is_some_and(|lang| {
        lang.eq_ignore_ascii_case(wanted)
            || (lang
                .get(..wanted.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(wanted))
                && lang
                    .get(wanted.len()..)
                    .is_some_and(|rest| rest.starts_with('-')))
    })
}
