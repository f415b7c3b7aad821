//! `publish:` in `thinslice.yaml`: where `thinslice publish` sends things when the command
//! line does not say.

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::WorkspaceError;
use crate::broker::{Endpoint, topic_name};
use crate::diag::YamlFile;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PublishYaml {
    /// `kafka://HOST:PORT[,HOST:PORT...]`
    to: Option<Spanned<String>>,
    /// One topic for every slice, or a name with `{slice}` in it.
    topic: Option<Spanned<String>>,
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
    /// The settings, with a problem for a broker address or a topic name Kafka would not
    /// take, at its place.
    pub(super) fn resolve(
        &self,
        root: &Path,
        file: &YamlFile,
        problems: &mut Vec<WorkspaceError>,
    ) -> PublishSettings {
        let mut problem = |value: &Spanned<String>, error: crate::broker::BrokerError| {
            problems.push(WorkspaceError::BadSetting {
                setting: "publish:",
                what: format!("says {error}"),
                help: error.help().map(|h| h.to_string()).unwrap_or_default(),
                src: file.source(),
                span: file.span(&value.referenced),
            });
        };
        if let Some(to) = &self.to
            && let Err(error) = Endpoint::parse(&to.value)
        {
            problem(to, error);
        }
        if let Some(topic) = &self.topic
            && let Err(error) = topic_name(&topic.value, "slice")
        {
            problem(topic, error);
        }
        PublishSettings {
            to: self.to.as_ref().map(|t| t.value.clone()),
            topic: self.topic.as_ref().map(|t| t.value.clone()),
            settings: self.settings.as_ref().map(|s| root.join(s)),
            slices: self.slices.clone(),
        }
    }
}
