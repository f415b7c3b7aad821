//! A mapping's links: the property, the slice (or slices) its things are in, and the
//! identifier template of the thing each row points at, checked before any data is read.

use serde_saphyr::Spanned;

use super::validate::Validator;
use super::yaml::LinkRuleYaml;
use super::{LinkRule, MappingError};
use crate::diag::Term;
use crate::rdl::Datatype;

impl Validator<'_> {
    /// A link rule: an RDL link property, known target slices, an identifier template.
    pub(super) fn link(
        &mut self,
        name: &str,
        rule: &Spanned<LinkRuleYaml>,
        columns: &[String],
        slices: &[&str],
    ) -> Option<LinkRule> {
        let span = self.span(&rule.referenced);
        let (key, property, key_span) = self.rdl_property(name, span)?;
        if property.datatype != Datatype::Link {
            self.problems.push(MappingError::NotALink {
                property: name.to_string(),
                datatype: property.datatype,
                src: self.file.source(),
                span: key_span,
            });
            return None;
        }
        let targets = &rule.value.slice;
        let at = self.span(&targets.referenced);
        let mut ok = !targets.value.0.is_empty();
        if !ok {
            self.problems.push(MappingError::Lookup {
                reason: format!("the link `{name}` names no slice"),
                help: "name the slice its things are in, or a list of slices".into(),
                src: self.file.source(),
                span: at,
            });
        }
        for target in &targets.value.0 {
            if !slices.contains(&target.as_str()) {
                let span = self.file.sub_span(at, target);
                self.unknown(Term::Slice, target, span, slices.to_vec());
                ok = false;
            }
        }
        ok &= self.separator(&rule.value.split);
        let id = self.template(&rule.value.id, columns, true);
        if let (Some(split), Some(id)) = (&rule.value.split, &id)
            && id.columns().count() != 1
        {
            self.problems.push(MappingError::SplitTemplate {
                src: self.file.source(),
                span: self.span(&split.referenced),
            });
            ok = false;
        }
        match (ok, id) {
            (true, Some(id)) => Some(LinkRule {
                name: name.to_string(),
                property: key.to_string(),
                slices: targets.value.0.clone(),
                span: at,
                id,
                split: rule.value.split.as_ref().map(|s| s.value.clone()),
            }),
            _ => None,
        }
    }
}
