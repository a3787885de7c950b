//! Pagination of one list (`nextCursor`), as a plain state machine: which params to send next
//! and what each page adds, with the limits that keep a hostile server from holding the
//! inspection forever. The sending stays in the session.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{ErrorKind, MAX_ITEMS, MAX_PAGES, protocol};

/// Pagination of one list: which params to send next, and what each page adds. Errors past
/// [`MAX_PAGES`] pages or [`MAX_ITEMS`] items, on a cursor seen before, on items that are not
/// objects.
#[derive(Debug)]
pub(crate) struct Pages {
    method: &'static str,
    key: &'static str,
    items: Vec<Value>,
    cursor: Option<String>,
    seen: HashSet<String>,
    page: usize,
}

/// What a page means for the list.
#[derive(Debug, PartialEq)]
pub(crate) enum Step {
    /// Ask for the next page with [`Pages::params`].
    More,
    Done(Vec<Value>),
}

impl Pages {
    pub(crate) fn new(method: &'static str, key: &'static str) -> Pages {
        Pages {
            method,
            key,
            items: Vec::new(),
            cursor: None,
            seen: HashSet::new(),
            page: 0,
        }
    }

    /// The params of the next request: `{}` first, then `{"cursor": …}`.
    pub(crate) fn params(&self) -> Value {
        match &self.cursor {
            Some(c) => json!({ "cursor": c }),
            None => json!({}),
        }
    }

    /// Takes in one page's result.
    pub(crate) fn accept(&mut self, result: Value) -> Result<Step, ErrorKind> {
        self.page += 1;
        let (method, key, page) = (self.method, self.key, self.page);
        let Value::Object(mut result) = result else {
            return Err(protocol(
                method,
                &format!("page {page}: the result is not an object"),
            ));
        };
        if let Some(kind) = result.get("resultType").and_then(Value::as_str)
            && kind != "complete"
        {
            return Err(protocol(
                method,
                &format!("page {page}: `resultType` is `{kind}`; a list needs no input"),
            ));
        }
        match result.remove(key) {
            Some(Value::Array(list)) => {
                if let Some(i) = list.iter().position(|v| !v.is_object()) {
                    return Err(protocol(
                        method,
                        &format!(
                            "page {page}: item {} of `{key}` is not an object",
                            self.items.len() + i
                        ),
                    ));
                }
                if self.items.len() + list.len() > MAX_ITEMS {
                    return Err(ErrorKind::TooManyItems {
                        method: method.to_string(),
                    });
                }
                self.items.extend(list);
            }
            None | Some(Value::Null) => {}
            Some(_) => {
                return Err(protocol(
                    method,
                    &format!("page {page}: `{key}` is not a list"),
                ));
            }
        }
        let cursor = match result.remove("nextCursor") {
            None | Some(Value::Null) => return Ok(Step::Done(std::mem::take(&mut self.items))),
            Some(Value::String(c)) if c.is_empty() => {
                return Ok(Step::Done(std::mem::take(&mut self.items)));
            }
            Some(Value::String(c)) => c,
            Some(_) => {
                return Err(protocol(
                    method,
                    &format!("page {page}: `nextCursor` is not a string"),
                ));
            }
        };
        if page >= MAX_PAGES {
            return Err(ErrorKind::TooManyPages {
                method: method.to_string(),
            });
        }
        if !self.seen.insert(cursor.clone()) {
            return Err(protocol(
                method,
                &format!(
                    "page {page}: `nextCursor` repeats an earlier cursor, so the list would never end"
                ),
            ));
        }
        self.cursor = Some(cursor);
        Ok(Step::More)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `pages` in order, as a server would answer; returns the list (or error) and the
    /// params of each request.
    fn pages(pages: Vec<Value>) -> (Result<Vec<Value>, ErrorKind>, Vec<Value>) {
        let mut p = Pages::new("tools/list", "tools");
        let mut requests = Vec::new();
        let mut answers = pages.into_iter();
        loop {
            requests.push(p.params());
            let page = answers.next().unwrap_or(json!({"tools": []}));
            match p.accept(page) {
                Ok(Step::More) => {}
                Ok(Step::Done(items)) => return (Ok(items), requests),
                Err(e) => return (Err(e), requests),
            }
        }
    }

    #[test]
    fn follows_next_cursor_until_it_is_absent() {
        let (result, requests) = pages(vec![
            json!({"tools": [{"name": "a"}], "nextCursor": "p2"}),
            json!({"tools": [{"name": "b"}, {"name": "c"}], "nextCursor": "p3"}),
            json!({"tools": [{"name": "d"}]}),
        ]);
        let names: Vec<&str> = result
            .as_ref()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        assert_eq!(
            requests,
            [json!({}), json!({"cursor": "p2"}), json!({"cursor": "p3"})]
        );
    }

    #[test]
    fn an_empty_or_null_cursor_ends_the_list() {
        for end in [json!(""), Value::Null] {
            let (result, requests) =
                pages(vec![json!({"tools": [{"name": "a"}], "nextCursor": end})]);
            assert_eq!(result.unwrap().len(), 1);
            assert_eq!(requests.len(), 1);
        }
    }

    #[test]
    fn stops_with_an_error_at_the_page_cap() {
        let answers: Vec<Value> = (0..MAX_PAGES + 5)
            .map(|n| json!({"tools": [{"name": format!("t{n}")}], "nextCursor": format!("c{n}")}))
            .collect();
        let (result, requests) = pages(answers);
        assert!(
            matches!(result, Err(ErrorKind::TooManyPages { .. })),
            "{result:?}"
        );
        assert_eq!(requests.len(), MAX_PAGES);
        let message = result.unwrap_err().to_string();
        assert!(message.contains("1000 pages"), "{message}");
    }

    #[test]
    fn the_last_allowed_page_may_end_the_list() {
        let mut answers: Vec<Value> = (0..MAX_PAGES - 1)
            .map(|n| json!({"tools": [], "nextCursor": format!("c{n}")}))
            .collect();
        answers.push(json!({"tools": [{"name": "last"}]}));
        let (result, requests) = pages(answers);
        assert_eq!(result.unwrap().len(), 1);
        assert_eq!(requests.len(), MAX_PAGES);
    }

    #[test]
    fn a_repeated_cursor_is_an_error_not_a_loop() {
        let (result, requests) = pages(vec![
            json!({"tools": [], "nextCursor": "same"}),
            json!({"tools": [], "nextCursor": "same"}),
        ]);
        let err = result.unwrap_err().to_string();
        assert!(err.contains("repeats an earlier cursor"), "{err}");
        assert_eq!(requests.len(), 2);
    }

    #[test]
    fn garbage_pages_are_clear_errors() {
        for (page, expected) in [
            (
                json!(["not", "an", "object"]),
                "the result is not an object",
            ),
            (json!({"tools": {"name": "a"}}), "`tools` is not a list"),
            (
                json!({"tools": [{"name": "a"}, 7]}),
                "item 1 of `tools` is not an object",
            ),
            (
                json!({"tools": [], "nextCursor": 5}),
                "`nextCursor` is not a string",
            ),
            (
                json!({"tools": [], "resultType": "input_required"}),
                "needs no input",
            ),
        ] {
            let (result, _) = pages(vec![page]);
            let err = result.unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
            assert!(err.contains("tools/list"), "{err}");
        }
    }

    #[test]
    fn too_many_items_stop_the_list() {
        let big: Vec<Value> = (0..MAX_ITEMS)
            .map(|i| json!({"name": i.to_string()}))
            .collect();
        let (result, _) = pages(vec![
            json!({"tools": big, "nextCursor": "more"}),
            json!({"tools": [{"name": "one-too-many"}]}),
        ]);
        assert!(matches!(result, Err(ErrorKind::TooManyItems { .. })));
    }
}
