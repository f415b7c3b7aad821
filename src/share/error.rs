//! What stops a share policy from being carried out, said before any data is read.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum ShareError {
    #[error("the share policy pseudonymises, and there is no key in {from}")]
    #[diagnostic(
        code(thinslice::share::no_key),
        help(
            "set it (at least 16 characters, kept secret and the same from run to run): the key makes the tokens; it is never written anywhere"
        )
    )]
    NoKey { from: String },

    #[error("the pseudonymisation key is shorter than 16 characters")]
    #[diagnostic(
        code(thinslice::share::short_key),
        help("use a long random key, such as the output of `openssl rand -hex 32`")
    )]
    ShortKey,

    #[error("the key file {path} is inside the workspace")]
    #[diagnostic(
        code(thinslice::share::key_in_workspace),
        help(
            "keep the key outside the workspace folder, which is shared and versioned: `share: {{ key: {{ file: /etc/thinslice/key }} }}`"
        )
    )]
    KeyInWorkspace { path: String },

    #[error(
        "{mapping}: the identifier template reads `{column}`, which feeds a sensitive property, and the policy says {action}"
    )]
    #[diagnostic(
        code(thinslice::share::sensitive_id),
        help(
            "things must be named: pseudonymise that kind of data (`share: {{ personal: pseudonymise }}`), or build identifiers from a column that is not sensitive"
        )
    )]
    SensitiveId {
        mapping: String,
        column: String,
        action: String,
    },

    #[error("`{property}` cannot be generalised: {why}")]
    #[diagnostic(code(thinslice::share::generalise), help("{help}"))]
    Generalise {
        property: String,
        why: String,
        help: String,
    },

    #[error("no manifest to verify {folder} against: {why}")]
    #[diagnostic(
        code(thinslice::share::no_manifest),
        help(
            "a run writes `manifest.json` in its output folder; verify the folder a run wrote, as it was received"
        )
    )]
    NoManifest { folder: String, why: String },

    #[error("the rows as read hold values the share policy withholds ({what})")]
    #[diagnostic(
        code(thinslice::share::internal_rows),
        help(
            "`thinslice slice` writes rows as read, which are internal: say `share: {{ slices: true }}` in thinslice.yaml to write them in this folder anyway"
        )
    )]
    InternalRows { what: String },

    #[error(
        "{mapping}: `{property}` is {kind} in the RDL, and the mapping says `sensitive: false`"
    )]
    #[diagnostic(
        code(thinslice::share::unmarked),
        help(
            "a mapping may mark more data sensitive, never less: the RDL's owner decides what is sensitive"
        )
    )]
    Unmarked {
        mapping: String,
        property: String,
        kind: String,
    },

    #[error("{place}: the marking's licence `{value}` is not an IRI")]
    #[diagnostic(
        code(thinslice::share::licence),
        help(
            "name the licence by its IRI, such as `https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/`"
        )
    )]
    BadLicence { place: String, value: String },

    #[error("{place}: the marking's label {value:?} is not one line of text")]
    #[diagnostic(
        code(thinslice::share::label),
        help(
            "the label travels as each published message's Security-Label header: write it on one line, such as `clearance=sensitive`"
        )
    )]
    BadLabel { place: String, value: String },
}
