//! Identifier and label templates: `https://data.example.org/water/asset/{Asset ID}`. For a
//! register without an identifier column, `{_line}` (the CSV line or the sheet row a row
//! starts on), `{_row}` (its position among the data rows) and `{_hash(Col A, Col B)}` (a
//! stable digest of those columns' text as written) stand in.

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    Literal(String),
    Column(String),
    /// `{_line}`: the line (CSV) or sheet row the source row starts on.
    Line,
    /// `{_row}`: the row's 1-based position among the source's data rows.
    Row,
    /// `{_hash(a, b)}`: 16 hex digits of the XXH3 of the columns' text as written.
    Hash(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

impl Template {
    /// Parses `{column}` placeholders; `{{` and `}}` stand for literal braces.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut column = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') => return Err("`{` inside a placeholder".into()),
                            Some(c) => column.push(c),
                            None => return Err(format!("`{{{column}` is not closed with `}}`")),
                        }
                    }
                    let column = column.trim().to_string();
                    if column.is_empty() {
                        return Err("an empty placeholder `{}`".into());
                    }
                    if !literal.is_empty() {
                        parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(special(&column)?.unwrap_or(TemplatePart::Column(column)));
                }
                '}' => return Err("a `}` without its `{`".into()),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(TemplatePart::Literal(literal));
        }
        if parts.iter().all(|p| matches!(p, TemplatePart::Literal(_))) {
            return Err("no `{column}` placeholder, so every thing would get the same text".into());
        }
        Ok(Template { parts })
    }

    /// The columns the template reads, in order (those of a `_hash` too).
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().flat_map(|p| match p {
            TemplatePart::Column(c) => vec![c.as_str()],
            TemplatePart::Hash(columns) => columns.iter().map(String::as_str).collect(),
            TemplatePart::Literal(_) | TemplatePart::Line | TemplatePart::Row => Vec::new(),
        })
    }
}

/// A placeholder thinslice fills itself (`_line`, `_row`, `_hash(...)`); None for a column's name.
fn special(placeholder: &str) -> Result<Option<TemplatePart>, String> {
    match placeholder {
        "_line" => return Ok(Some(TemplatePart::Line)),
        "_row" => return Ok(Some(TemplatePart::Row)),
        _ => {}
    }
    let Some(arguments) = placeholder
        .strip_prefix("_hash(")
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return Ok(None);
    };
    let columns: Vec<String> = arguments
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if columns.is_empty() {
        return Err("`_hash()` names no column: write `{_hash(Column A, Column B)}`".into());
    }
    Ok(Some(TemplatePart::Hash(columns)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_literals_and_escaped_braces() {
        let t = Template::parse("https://x.org/{Site}/{{v}}/{ Asset ID }").expect("valid");
        assert_eq!(
            t.parts,
            [
                TemplatePart::Literal("https://x.org/".into()),
                TemplatePart::Column("Site".into()),
                TemplatePart::Literal("/{v}/".into()),
                TemplatePart::Column("Asset ID".into()),
            ]
        );
        assert_eq!(t.columns().collect::<Vec<_>>(), ["Site", "Asset ID"]);
    }

    #[test]
    fn line_and_hash_placeholders_stand_in_for_an_identifier_column() {
        let t = Template::parse("urn:x:{_line}/{_hash(Site, Name )}").expect("valid");
        assert_eq!(
            t.parts,
            [
                TemplatePart::Literal("urn:x:".into()),
                TemplatePart::Line,
                TemplatePart::Literal("/".into()),
                TemplatePart::Hash(vec!["Site".into(), "Name".into()]),
            ]
        );
        assert_eq!(t.columns().collect::<Vec<_>>(), ["Site", "Name"]);
        assert!(
            Template::parse("urn:x:{_hash()}")
                .unwrap_err()
                .contains("names no column")
        );
    }

    #[test]
    fn malformed_templates_say_what_is_wrong() {
        assert!(
            Template::parse("https://x.org/{Site")
                .unwrap_err()
                .contains("not closed")
        );
        assert!(
            Template::parse("https://x.org/}")
                .unwrap_err()
                .contains("without")
        );
        assert!(
            Template::parse("https://x.org/{}")
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            Template::parse("https://x.org/")
                .unwrap_err()
                .contains("same text")
        );
    }
}
