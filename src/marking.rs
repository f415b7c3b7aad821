//! Handling markings: what travels with every shared file to say how it may be handled
//! and used (a classification, a licence, restrictions), from `marking:` in
//! `thinslice.yaml` and in a slice.

use serde::Deserialize;

/// A handling marking that travels with every shared file: a classification (such as
/// `OFFICIAL-SENSITIVE`), a licence (an IRI), and restrictions on use (free text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Marking {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restrictions: Option<String>,
    /// The access label carried on each published message's `Security-Label` header, as
    /// the receiving node's access control reads it (`clearance=secret`). Without one, the
    /// classification is the label (`classification=OFFICIAL-SENSITIVE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Marking {
    /// This marking, with what `more` says in its place (a slice's over the workspace's).
    pub fn overridden_by(&self, more: Option<&Marking>) -> Marking {
        let Some(more) = more else {
            return self.clone();
        };
        Marking {
            classification: more
                .classification
                .clone()
                .or_else(|| self.classification.clone()),
            licence: more.licence.clone().or_else(|| self.licence.clone()),
            restrictions: more
                .restrictions
                .clone()
                .or_else(|| self.restrictions.clone()),
            label: more.label.clone().or_else(|| self.label.clone()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.classification.is_none()
            && self.licence.is_none()
            && self.restrictions.is_none()
            && self.label.is_none()
    }
}
