//! Sharing safely. The share policy (`share:` in `thinslice.yaml`) says what shared outputs
//! do with each kind of sensitive value: drop it, pseudonymise it (a keyed HMAC-SHA256, so
//! one person is one token in every run and file, and links still join), or generalise it
//! (numbers to a step, dates to a year or month). [`Withheld`] is what one mapping's outputs
//! withhold, worked out before any data is read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

mod apply;
mod error;

pub use error::ShareError;

use crate::mapping::{Mapping, TemplatePart, ValueSource};
use crate::rdl::{Datatype, Rdl, Sensitivity};

/// What shared outputs do with a kind of sensitive value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Left out.
    #[default]
    Drop,
    /// A keyed token: the same value gives the same token.
    Pseudonymise,
    /// Made coarser, as `generalise:` says for the property.
    Generalise,
}

/// How a value is made coarser.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub struct GeneraliseYaml {
    /// Numbers rounded to a multiple of this (coordinates to 1000 m, say).
    pub step: Option<f64>,
    /// Numbers rounded to this many decimals.
    pub decimals: Option<u32>,
    /// Dates to their `year` or `month`.
    pub to: Option<DatePart>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatePart {
    Year,
    Month,
}

/// A property's values, made coarser.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Generalisation {
    Step(f64),
    Decimals(u32),
    Date(DatePart),
}

/// Where the pseudonymisation key comes from: never from a file inside the workspace, and
/// never written anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env(String),
    File(PathBuf),
}

/// `share:` in `thinslice.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub personal: Action,
    pub commercial: Action,
    pub security: Action,
    pub key: Option<KeySource>,
    /// By property, as written.
    pub generalise: BTreeMap<String, GeneraliseYaml>,
    /// Whether `out/slices/` (source columns as read: internal) is written when something
    /// is withheld; unsaid, it is not.
    pub slices: Option<bool>,
}

impl Policy {
    pub fn action(&self, kind: Sensitivity) -> Option<Action> {
        match kind {
            Sensitivity::None => None,
            Sensitivity::Personal => Some(self.personal),
            Sensitivity::Commercial => Some(self.commercial),
            Sensitivity::Security => Some(self.security),
        }
    }
}

/// A token: the first 12 bytes (96 bits) of the HMAC, in 16 characters of base64url. Short,
/// since a token stands in every triple about its thing; 96 bits keep tokens of billions of
/// values apart.
const TOKEN_BYTES: usize = 12;
const TOKEN_CHARS: usize = 16;

/// The pseudonymisation key, read once, kept as an HMAC ready to take a value (the key's
/// own hashing is done once, not for every value).
#[derive(Clone)]
pub struct Key(Hmac<Sha256>);

impl std::fmt::Debug for Key {
    /// The key itself is never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// Reads the key; at least 16 bytes, trimmed of surrounding whitespace.
    pub fn load(source: &KeySource, workspace: &std::path::Path) -> Result<Self, ShareError> {
        let bytes = match source {
            KeySource::Env(name) => {
                std::env::var(name)
                    .map(String::into_bytes)
                    .map_err(|_| ShareError::NoKey {
                        from: format!("the environment variable {name}"),
                    })?
            }
            KeySource::File(path) => {
                let real = path.canonicalize().unwrap_or_else(|_| path.clone());
                let root = workspace
                    .canonicalize()
                    .unwrap_or_else(|_| workspace.to_path_buf());
                if real.starts_with(&root) {
                    return Err(ShareError::KeyInWorkspace {
                        path: path.display().to_string(),
                    });
                }
                std::fs::read(path).map_err(|_| ShareError::NoKey {
                    from: format!("the file {}", path.display()),
                })?
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let trimmed = text.trim().as_bytes().to_vec();
        if trimmed.len() < 16 {
            return Err(ShareError::ShortKey);
        }
        // HMAC takes a key of any length.
        let mac = Hmac::<Sha256>::new_from_slice(&trimmed).map_err(|_| ShareError::ShortKey)?;
        Ok(Self(mac))
    }

    /// A value's token: the HMAC-SHA256 of its normalised text (trimmed, spaces collapsed,
    /// lower case), as [`TOKEN_CHARS`] characters. `Sam  Patel` and `sam patel` are one person.
    pub fn pseudonym(&self, text: &str) -> String {
        let mut out = String::with_capacity(TOKEN_CHARS);
        // Most values are already normal (no capitals, single spaces inside): hashed as
        // they are, without a copy.
        let plain = text
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase() && b != b'\t')
            && !text.starts_with(' ')
            && !text.ends_with(' ')
            && !text.contains("  ");
        match plain {
            true => self.token_into(text.as_bytes(), &mut out),
            false => {
                let normal = text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase();
                self.token_into(normal.as_bytes(), &mut out);
            }
        }
        out
    }

    /// The token of `bytes`, appended to `out` in base64url (IRI-safe: letters, digits,
    /// `-`, `_`).
    fn token_into(&self, bytes: &[u8], out: &mut String) {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut mac = self.0.clone();
        mac.update(bytes);
        let digest = mac.finalize().into_bytes();
        for group in digest[..TOKEN_BYTES].chunks(3) {
            let n = (u32::from(group[0]) << 16) | (u32::from(group[1]) << 8) | u32::from(group[2]);
            for shift in [18, 12, 6, 0] {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            }
        }
    }

    /// An IRI whose key part is a pseudonym: its namespace (up to the last `/` or `#`)
    /// followed by the token of the whole IRI, so an identifier and a link to it agree.
    pub fn pseudonym_iri(&self, iri: &str) -> String {
        let cut = iri.rfind(['/', '#']).map_or(0, |i| i + 1);
        let mut out = String::with_capacity(cut + TOKEN_CHARS);
        out.push_str(&iri[..cut]);
        self.token_into(iri.as_bytes(), &mut out);
        out
    }
}

/// What a sensitive property's values become in shared outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Treatment {
    Drop,
    Pseudonymise,
    Generalise(Generalisation),
}

/// What one mapping's shared outputs withhold.
#[derive(Debug, Clone, Default)]
pub struct Withheld {
    /// By property key.
    pub properties: BTreeMap<String, Treatment>,
    /// Source columns that feed a sensitive property, masked wherever they appear.
    pub columns: BTreeMap<String, Action>,
    /// Whether identifiers are pseudonymised (their template reads a sensitive column).
    pub id: bool,
    /// What the label becomes, when its template reads a sensitive column.
    pub label: Option<Action>,
    /// Links whose targets' identifiers are pseudonymised, so theirs are too.
    pub links: BTreeSet<String>,
    pub key: Option<Key>,
}

/// The columns a template reads.
fn template_columns(parts: &[TemplatePart]) -> Vec<&str> {
    parts
        .iter()
        .filter_map(|p| match p {
            TemplatePart::Column(c) => Some(c.as_str()),
            _ => None,
        })
        .collect()
}

impl Withheld {
    /// Whether the outputs withhold anything.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty() && !self.id && self.label.is_none() && self.links.is_empty()
    }

    /// Whether anything is pseudonymised, so a key is needed.
    pub fn needs_key(&self) -> bool {
        self.id
            || !self.links.is_empty()
            || self.label == Some(Action::Pseudonymise)
            || self
                .properties
                .values()
                .any(|t| *t == Treatment::Pseudonymise)
    }

    /// What `mapping`'s outputs withhold under `policy`. `pseudonymised`: the slices whose
    /// identifiers are pseudonymised (a link to them is too).
    /// `sensitive_columns`: the columns of the slice's source that feed a sensitive property
    /// in any mapping, and what the policy does with them: whatever this mapping makes of
    /// such a column is withheld too.
    pub fn plan(
        mapping: &Mapping,
        rdl: &Rdl,
        policy: &Policy,
        (pseudonymised, sensitive_columns): (&BTreeSet<String>, &BTreeMap<String, Action>),
    ) -> Result<Self, Vec<ShareError>> {
        let mut withheld = Self::default();
        let mut problems = Vec::new();
        let shown = mapping.file.name.clone();
        for rule in &mapping.properties {
            let marked = rdl.properties.get(&rule.property).and_then(|p| p.sensitive);
            if let (Some(Sensitivity::None), Some(kind)) = (rule.sensitive, marked)
                && kind != Sensitivity::None
            {
                problems.push(ShareError::Unmarked {
                    mapping: shown.clone(),
                    property: rule.property.clone(),
                    kind: kind.to_string(),
                });
            }
            let own = rule.sensitive.and_then(|s| policy.action(s));
            let inherited = match &rule.source {
                ValueSource::Column(column) => sensitive_columns.get(column).copied(),
                ValueSource::Constant(_) => None,
            };
            let Some(action) = own.or(inherited) else {
                continue;
            };
            let datatype = rdl.properties.get(&rule.property).map(|p| p.datatype);
            let treatment = match action {
                Action::Drop => Treatment::Drop,
                Action::Pseudonymise => Treatment::Pseudonymise,
                Action::Generalise => match generalisation(policy, rdl, &rule.property, datatype) {
                    Ok(how) => Treatment::Generalise(how),
                    // A column sensitive elsewhere, here a property no one said how to
                    // generalise: left out.
                    Err(_) if own.is_none() => Treatment::Drop,
                    Err(problem) => {
                        problems.push(problem);
                        continue;
                    }
                },
            };
            withheld.properties.insert(rule.property.clone(), treatment);
            let mut feeds = vec![];
            if let ValueSource::Column(column) = &rule.source {
                feeds.push(column.clone());
            }
            feeds.extend(rule.unit_from.iter().cloned());
            for column in feeds {
                let strongest = withheld.columns.entry(column).or_insert(action);
                *strongest = (*strongest).max(action);
            }
        }
        let sensitive_in = |parts: &[TemplatePart]| -> Option<(String, Action)> {
            template_columns(parts)
                .into_iter()
                .find_map(|c| withheld.columns.get(c).map(|a| (c.to_string(), *a)))
        };
        if let Some((column, action)) = sensitive_in(&mapping.id.parts) {
            match action {
                Action::Pseudonymise => withheld.id = true,
                other => problems.push(ShareError::SensitiveId {
                    mapping: shown.clone(),
                    column,
                    action: format!("{other:?}").to_lowercase(),
                }),
            }
        }
        withheld.label = mapping
            .label
            .as_ref()
            .and_then(|l| sensitive_in(&l.parts))
            .map(|(_, a)| a);
        for link in &mapping.links {
            if link.slices.iter().any(|s| pseudonymised.contains(s)) {
                withheld.links.insert(link.property.clone());
            }
        }
        match problems.is_empty() {
            true => Ok(withheld),
            false => Err(problems),
        }
    }

    /// Whether a mapping's identifiers are pseudonymised under `policy` (the first pass, so
    /// links to its things can be too).
    pub fn pseudonymises_ids(mapping: &Mapping, policy: &Policy) -> bool {
        let pseudonymised: BTreeSet<&str> = (mapping.properties.iter())
            .filter(|r| r.sensitive.and_then(|s| policy.action(s)) == Some(Action::Pseudonymise))
            .filter_map(|r| match &r.source {
                ValueSource::Column(c) => Some(c.as_str()),
                ValueSource::Constant(_) => None,
            })
            .collect();
        template_columns(&mapping.id.parts)
            .iter()
            .any(|c| pseudonymised.contains(c))
    }
}

/// How a property is generalised: as `generalise:` says, or a date to its year.
fn generalisation(
    policy: &Policy,
    rdl: &Rdl,
    property: &str,
    datatype: Option<Datatype>,
) -> Result<Generalisation, ShareError> {
    let said = (policy.generalise.iter())
        .find(|(name, _)| rdl.resolve(crate::diag::Term::Property, name).ok() == Some(property))
        .map(|(_, how)| *how);
    let dated = matches!(datatype, Some(Datatype::Date | Datatype::Datetime));
    let numeric = matches!(datatype, Some(Datatype::Decimal | Datatype::Integer));
    let help = match (dated, numeric) {
        (true, _) => {
            format!("say `share: {{ generalise: {{ {property}: {{ to: year }} }} }}` (or `month`)")
        }
        (_, true) => format!(
            "say `share: {{ generalise: {{ {property}: {{ step: 1000 }} }} }}` (or `decimals: 2`)"
        ),
        _ => "drop or pseudonymise that kind of data instead (`share: { personal: drop }`)"
            .to_string(),
    };
    let problem = |why: &str| ShareError::Generalise {
        property: property.to_string(),
        why: why.to_string(),
        help: help.clone(),
    };
    match said {
        None if dated => Ok(Generalisation::Date(DatePart::Year)),
        None => Err(problem(
            "the policy generalises it, and `share: generalise:` does not say how",
        )),
        Some(GeneraliseYaml {
            to: Some(part),
            step: None,
            decimals: None,
        }) if dated => Ok(Generalisation::Date(part)),
        Some(GeneraliseYaml {
            step: Some(step),
            to: None,
            decimals: None,
        }) if numeric && step > 0.0 => Ok(Generalisation::Step(step)),
        Some(GeneraliseYaml {
            decimals: Some(n),
            to: None,
            step: None,
        }) if numeric => Ok(Generalisation::Decimals(n)),
        Some(_) if dated => Err(problem("a date is generalised `to: year` or `to: month`")),
        Some(_) if numeric => Err(problem(
            "a number is generalised by one `step` (above 0) or `decimals`",
        )),
        Some(_) => Err(problem(
            "only numbers and dates can be generalised: drop or pseudonymise it",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, KeySource};

    fn key(text: &str) -> Key {
        let name = format!("THINSLICE_UNIT_KEY_{}", text.len());
        // SAFETY: a variable of this test's own name, which no other thread reads or writes.
        unsafe { std::env::set_var(&name, text) };
        Key::load(&KeySource::Env(name), std::path::Path::new("/nonexistent")).expect("key")
    }

    #[test]
    fn one_person_is_one_token_and_another_key_another() {
        let first = key("a-key-of-at-least-sixteen-bytes");
        assert_eq!(first.pseudonym("Sam  Patel "), first.pseudonym("sam patel"));
        assert_eq!(first.pseudonym("sam\tpatel"), first.pseudonym("sam patel"));
        assert_ne!(first.pseudonym("sam patel"), first.pseudonym("sam patell"));
        assert_eq!(first.pseudonym("sam patel").len(), 16);
        let second = key("another-key-of-at-least-sixteen-bytes!");
        assert_ne!(first.pseudonym("sam patel"), second.pseudonym("sam patel"));
        let iri = first.pseudonym_iri("https://data.example.org/person/sam%40example.org");
        assert!(iri.starts_with("https://data.example.org/person/"));
        assert!(!iri.contains("sam"));
    }
}
