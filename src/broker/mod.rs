//! The message broker that links organisations' databases: messages out (`publish`) and in
//! (`receive`), behind two small traits so that another broker can follow Kafka. Kafka is
//! reached through librdkafka ([`kafka`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use miette::Diagnostic;
use thiserror::Error;

mod kafka;

/// One message: a key (the thing's IRI), headers, a body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub key: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    /// The value of header `name` (the first, when repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        (self.headers.iter())
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A message as received, with where it sits in its topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub message: Message,
}

/// Sends messages to one topic, a chunk at a time: `enqueue` hands a chunk over and
/// returns at once, so the next can be made while it travels; `wait` returns once the
/// broker acknowledged every message of that chunk. What the caller records after `wait`
/// is what the broker holds.
pub trait Producer {
    /// Hands over a chunk; the number to wait for it by.
    fn enqueue(&mut self, messages: &[Message]) -> Result<u64, BrokerError>;
    /// Returns once every message of chunk `chunk` was acknowledged.
    fn wait(&mut self, chunk: u64) -> Result<(), BrokerError>;
}

/// What one poll of a consumer brought.
#[derive(Debug, Default)]
pub struct Polled {
    /// Messages in the order of their partitions.
    pub messages: Vec<Received>,
    /// Every partition of the subscription has been read to its end.
    pub caught_up: bool,
}

/// A member of a consumer group reading topics from where the group stopped.
pub trait Consumer {
    /// Up to `max` messages, waiting at most `wait` for them.
    fn poll(&mut self, max: usize, wait: Duration) -> Result<Polled, BrokerError>;
    /// Records that everything up to and including these messages was handled, so the
    /// group resumes after them.
    fn commit(&mut self, handled: &[Received]) -> Result<(), BrokerError>;
}

/// Where the broker is: `kafka://HOST:PORT[,HOST:PORT...]`, with client settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub bootstrap: String,
    /// Client settings passed through as they are (TLS, SASL...): librdkafka's names.
    pub settings: BTreeMap<String, String>,
}

impl Endpoint {
    /// Reads `kafka://HOST:PORT[,HOST:PORT...]`.
    pub fn parse(url: &str) -> Result<Self, BrokerError> {
        let bad = |why: &str| BrokerError::Url {
            url: url.to_string(),
            why: why.to_string(),
        };
        let rest = url
            .strip_prefix("kafka://")
            .ok_or_else(|| bad("it does not start with kafka://"))?;
        if let Some((_, servers)) = rest.rsplit_once('@') {
            // Said without what comes before the @: it may be a password.
            return Err(BrokerError::Url {
                url: format!("kafka://…@{servers}"),
                why: "credentials do not go in the address: put sasl.username and sasl.password in the client settings file (--settings)".into(),
            });
        }
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() {
            return Err(bad("it names no server"));
        }
        for server in rest.split(',') {
            let port = server.rsplit_once(':').map(|(_, port)| port);
            if port.is_none_or(|p| p.parse::<u16>().is_err()) {
                return Err(bad(&format!("`{server}` is not HOST:PORT")));
            }
        }
        Ok(Self {
            bootstrap: rest.to_string(),
            settings: BTreeMap::new(),
        })
    }

    /// Adds client settings from a file of `name=value` lines (`#` starts a comment), as
    /// Kafka's own clients read them: `security.protocol=SASL_SSL`, `sasl.username=...`.
    pub fn with_settings_file(mut self, path: &Path) -> Result<Self, BrokerError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BrokerError::Settings {
            path: shown.clone(),
            line: 0,
            why: source.to_string(),
        })?;
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let Some((name, value)) = line.split_once('=') else {
                return Err(BrokerError::Settings {
                    path: shown,
                    line: index + 1,
                    why: "a setting is written name=value".into(),
                });
            };
            if let Some(why) = kept(name.trim()) {
                return Err(BrokerError::Settings {
                    path: shown,
                    line: index + 1,
                    why: format!("`{}` is thinslice's to set: {why}", name.trim()),
                });
            }
            self.settings
                .insert(name.trim().to_string(), value.trim().to_string());
        }
        Ok(self)
    }

    /// A producer sending to `topic`, created with one partition when missing (one
    /// partition keeps every message in order, which deletes rely on).
    pub fn producer(&self, topic: &str) -> Result<Box<dyn Producer>, BrokerError> {
        Ok(Box::new(kafka::KafkaProducer::new(self, topic)?))
    }

    /// A member of consumer group `group` reading `topic` from where the group stopped
    /// (from the start, the first time). `member` names it for good: run again, the same
    /// member continues with the same partitions.
    pub fn consumer(
        &self,
        topic: &str,
        group: &str,
        member: &str,
    ) -> Result<Box<dyn Consumer>, BrokerError> {
        Ok(Box::new(kafka::KafkaConsumer::new(
            self, topic, group, member,
        )?))
    }
}

/// Client settings a settings file may not change, and why: they carry the guarantees
/// (every message once, in order; a position committed only after the copy is on disk).
fn kept(name: &str) -> Option<&'static str> {
    Some(match name {
        "bootstrap.servers" | "metadata.broker.list" => {
            "the servers are the address given (--to, --from)"
        }
        "enable.idempotence" | "acks" | "transactional.id" => {
            "the idempotent producer with acks=all sends every message once, in order"
        }
        "enable.auto.commit" | "enable.auto.offset.store" | "auto.offset.reset" => {
            "the receiver commits its position itself, once what it applied is on disk"
        }
        "group.id" | "group.instance.id" => "the group is --group; the member is the copy folder",
        "enable.partition.eof" => "the receiver stops at the end of each partition",
        _ => return None,
    })
}

#[derive(Debug, Error, Diagnostic)]
pub enum BrokerError {
    #[error("`{url}` is not a broker address: {why}")]
    #[diagnostic(
        code(thinslice::broker::url),
        help("write kafka://HOST:PORT, or several servers as kafka://HOST:PORT,HOST:PORT")
    )]
    Url { url: String, why: String },

    #[error("`{topic}` is not a Kafka topic name")]
    #[diagnostic(
        code(thinslice::broker::topic),
        help(
            "a topic name is 1 to 249 of the characters a-z A-Z 0-9 . _ - ; `{{slice}}` in it is the slice's name"
        )
    )]
    Topic { topic: String },

    #[error("the broker at {bootstrap} has no topic `{topic}`")]
    #[diagnostic(
        code(thinslice::broker::no_topic),
        help(
            "check the name (a topic per slice is named after the slice unless told otherwise); `thinslice publish` creates the topic it sends to"
        )
    )]
    NoTopic { topic: String, bootstrap: String },

    #[error("no consumer group named")]
    #[diagnostic(
        code(thinslice::broker::group),
        help("name the receiver's group with --group: the group keeps where the receiver stopped")
    )]
    NoGroup,

    #[error("no broker to publish to")]
    #[diagnostic(
        code(thinslice::broker::none),
        help(
            "give --to kafka://HOST:PORT, or write `publish: {{ to: kafka://HOST:PORT }}` in thinslice.yaml"
        )
    )]
    NoBroker,

    #[error("{path}:{line}: {why}")]
    #[diagnostic(
        code(thinslice::broker::settings),
        help(
            "the client settings file holds librdkafka's settings, one name=value per line (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, ssl.ca.location=...)"
        )
    )]
    Settings {
        path: String,
        line: usize,
        why: String,
    },

    #[error("the Kafka client refused its settings: {why}")]
    #[diagnostic(
        code(thinslice::broker::client),
        help("check the client settings file: names and values are librdkafka's")
    )]
    Client { why: String },

    #[error("no broker answered at {bootstrap}: {why}")]
    #[diagnostic(
        code(thinslice::broker::no_answer),
        help(
            "is the broker running, and is the address right? With TLS or SASL, the client settings file must say so (security.protocol=SASL_SSL, ...)"
        )
    )]
    NoAnswer { bootstrap: String, why: String },

    #[error("the broker at {bootstrap} did not take the messages: {why}")]
    #[diagnostic(
        code(thinslice::broker::unreachable),
        help(
            "is the broker running and reachable from here? Run the command again once it is: what the broker acknowledged is recorded, and only the rest is sent"
        )
    )]
    Send { bootstrap: String, why: String },

    #[error("reading topic `{topic}` from {bootstrap} failed: {why}")]
    #[diagnostic(
        code(thinslice::broker::receive),
        help(
            "is the broker running and reachable from here? Run the command again once it is: it continues after the last message it wrote"
        )
    )]
    Receive {
        topic: String,
        bootstrap: String,
        why: String,
    },
}

/// The topic of `slice` from a topic name, or a name with `{slice}` in it; Kafka's rule
/// for topic names checked.
pub fn topic_name(template: &str, slice: &str) -> Result<String, BrokerError> {
    let topic = template.replace("{slice}", slice);
    let valid = !topic.is_empty()
        && topic.len() < 250
        && topic != "."
        && topic != ".."
        && (topic.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    match valid {
        true => Ok(topic),
        false => Err(BrokerError::Topic { topic }),
    }
}

/// How long a client keeps trying a broker that does not answer before giving up.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// How long a client waits for a broker to answer at all, before anything is sent.
pub const FIRST_ANSWER: Duration = Duration::from_secs(15);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_addresses_are_read_or_refused() {
        let one = Endpoint::parse("kafka://127.0.0.1:9092").expect("one server");
        assert_eq!(one.bootstrap, "127.0.0.1:9092");
        let two = Endpoint::parse("kafka://a:1,b:2/").expect("two servers");
        assert_eq!(two.bootstrap, "a:1,b:2");
        for bad in [
            "127.0.0.1:9092",
            "kafka://",
            "kafka://host",
            "kafka://h:port",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
