//! Paged listings: a page size and an opaque continuation token (the API's `nextLink`).

use crate::error::{Error, Result};

/// The largest page a listing returns, whatever `top` asks for.
pub const MAX_PAGE: usize = 1000;

/// Which page to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// How many items at most (1 ..= [`MAX_PAGE`]).
    pub top: usize,
    /// The token of the previous page, or `None` for the first.
    pub continuation: Option<Continuation>,
}

impl PageRequest {
    pub fn first(top: usize) -> Self {
        PageRequest {
            top,
            continuation: None,
        }
    }

    pub fn after(top: usize, continuation: Continuation) -> Self {
        PageRequest {
            top,
            continuation: Some(continuation),
        }
    }

    /// The page size, refused when 0 or too large rather than silently changed, so a
    /// caller's bug is visible.
    pub fn checked_top(&self) -> Result<usize> {
        if self.top == 0 || self.top > MAX_PAGE {
            return Err(Error::invalid(
                "page size",
                format!("top must be 1 to {MAX_PAGE}, got {}", self.top),
            ));
        }
        Ok(self.top)
    }
}

/// An opaque position in a listing: the key of the last item of the previous page. Backends
/// use keyset paging, so a page stays correct while items are added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation(pub String);

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `Some` when more items may follow.
    pub continuation: Option<Continuation>,
}

impl<T> Page<T> {
    /// Builds a page from up to `top + 1` items fetched in order: the extra item only tells
    /// that another page exists.
    pub fn from_overfetch(mut items: Vec<T>, top: usize, key: impl Fn(&T) -> String) -> Self {
        let more = items.len() > top;
        items.truncate(top);
        let continuation = if more {
            items.last().map(|last| Continuation(key(last)))
        } else {
            None
        };
        Page {
            items,
            continuation,
        }
    }
}
