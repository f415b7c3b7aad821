//! Identifier and label templates: `https://data.example.org/water/asset/{Asset ID}`.

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    Literal(String),
    Column(String),
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
                    parts.push(TemplatePart::Column(column));
                }
                '}' => return Err("a `}` without its `{`".into()),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(TemplatePart::Literal(literal));
        }
        if !parts.iter().any(|p| matches!(p, TemplatePart::Column(_))) {
            return Err("no `{column}` placeholder, so every thing would get the same text".into());
        }
        Ok(Template { parts })
    }

    /// The columns the template reads, in order.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Column(c) => Some(c.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }
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
