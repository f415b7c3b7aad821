//! Slice conditions (`where`) and mappings' custom checks: SQL conditions, parsed by polars'
//! SQL engine into expressions.

use polars::prelude::*;

/// The most conditions one condition may join with AND and OR. polars parses and evaluates
/// them recursively: past a few thousand, the stack runs out (a process abort, not an error).
pub const MAX_JOINED: usize = 2_000;

/// The deepest parentheses may nest in a condition, for the same reason.
pub const MAX_NESTING: usize = 200;

/// Parses a `where` condition with polars' SQL engine.
pub fn compile_condition(text: &str) -> Result<Expr, String> {
    let shape = Shape::of(text);
    if shape.joined > MAX_JOINED {
        return Err(format!(
            "the condition joins {} conditions with AND and OR, more than the {MAX_JOINED} thinslice evaluates; list values with `IN ('a', 'b', …)` instead",
            shape.joined + 1
        ));
    }
    if shape.depth > MAX_NESTING {
        return Err(format!(
            "the condition nests parentheses {} deep, more than the {MAX_NESTING} thinslice evaluates",
            shape.depth
        ));
    }
    match polars::sql::sql_expr(text) {
        // `a = 1 b` parses as `a = 1` aliased to `b`: in a condition that is always a mistake.
        Ok(Expr::Alias(_, alias)) => Err(format!(
            "unexpected `{alias}` after the condition; join conditions with AND or OR"
        )),
        Ok(expr) => Ok(expr),
        Err(e) => Err(clean_polars_message(&e)),
    }
}

/// How many AND and OR a condition holds, and how deep its parentheses nest, outside its
/// quoted texts and names.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    joined: usize,
    depth: usize,
}

impl Shape {
    fn of(text: &str) -> Self {
        let mut shape = Shape::default();
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let mut word = String::new();
        let end_word = |word: &mut String, shape: &mut Shape| {
            if word.eq_ignore_ascii_case("and") || word.eq_ignore_ascii_case("or") {
                shape.joined += 1;
            }
            word.clear();
        };
        for c in text.chars() {
            if let Some(open) = quote {
                // A doubled quote inside a quoted text is the quote itself: it closes and
                // reopens, which counts the same.
                if c == open {
                    quote = None;
                }
                continue;
            }
            match c {
                '\'' | '"' => {
                    end_word(&mut word, &mut shape);
                    quote = Some(c);
                }
                '(' => {
                    end_word(&mut word, &mut shape);
                    depth += 1;
                    shape.depth = shape.depth.max(depth);
                }
                ')' => {
                    end_word(&mut word, &mut shape);
                    depth = depth.saturating_sub(1);
                }
                c if c.is_alphanumeric() || c == '_' => word.push(c),
                _ => end_word(&mut word, &mut shape),
            }
        }
        end_word(&mut word, &mut shape);
        shape
    }
}

/// polars prefixes its messages with the error kind; users need the sentence.
fn clean_polars_message(err: &PolarsError) -> String {
    let text = err.to_string();
    let text = text
        .strip_prefix("SQLInterface: ")
        .or_else(|| text.strip_prefix("SQLSyntax: "))
        .unwrap_or(&text);
    text.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_counts_its_joins_and_nesting_outside_quotes() {
        let shape = Shape::of("(\"Or\" = 'a AND b' OR x > 1) and (y < 2 or (z = 'it''s'))");
        assert_eq!(
            shape,
            Shape {
                joined: 3,
                depth: 2
            }
        );
        // One more join than allowed is refused before polars sees it.
        let long: Vec<String> = (0..MAX_JOINED + 2)
            .map(|i| format!("\"T\" = 'x{i}'"))
            .collect();
        let err = compile_condition(&long.join(" OR ")).unwrap_err();
        assert!(err.contains("joins 2002 conditions"), "{err}");
        let deep = format!(
            "{}x = 1{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        assert!(
            compile_condition(&deep)
                .unwrap_err()
                .contains("nests parentheses 201 deep")
        );
    }
}
