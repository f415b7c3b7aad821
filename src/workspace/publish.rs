//! `publish:` in `thinslice.yaml`: where `thinslice publish` sends things when the command
//! line does not say.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PublishYaml {
    /// `kafka://HOST:PORT[,HOST:PORT...]`
    to: Option<String>,
    /// One topic for every slice, or a name with `{slice}` in it.
    topic: Option<String>,
    /// A file of librdkafka `name=value` client settings (TLS, SASL), relative to the
    /// workspace.
    settings: Option<String>,
    /// The slices to publish; none: every mapped slice.
    #[serde(default)]
    slices: Vec<String>,
}

/// `publish:` as the workspace says it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishSettings {
    pub to: Option<String>,
    pub topic: Option<String>,
    pub settings: Option<PathBuf>,
    pub slices: Vec<String>,
}

impl PublishYaml {
    pub(super) fn resolve(&self, root: &Path) -> PublishSettings {
        PublishSettings {
            to: self.to.clone(),
            topic: self.topic.clone(),
            settings: self.settings.as_ref().map(|s| root.join(s)),
            slices: self.slices.clone(),
        }
    }
}
