//! Slice conditions (`where`) and mappings' custom checks: SQL conditions, parsed by polars'
//! SQL engine into expressions.

use polars::prelude::*;

/// Parses a `where` condition with polars' SQL engine.
pub fn compile_condition(text: &str) -> Result<Expr, String> {
    match polars::sql::sql_expr(text) {
        // `a = 1 b` parses as `a = 1` aliased to `b`: in a condition that is always a mistake.
        Ok(Expr::Alias(_, alias)) => Err(format!(
            "unexpected `{alias}` after the condition; join conditions with AND or OR"
        )),
        Ok(expr) => Ok(expr),
        Err(e) => Err(clean_polars_message(&e)),
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
