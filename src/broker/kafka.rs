//! Kafka through librdkafka (the `rdkafka` crate, its bundled C library): the client that
//! has the idempotent producer, consumer groups and headers, and is maintained alongside
//! Kafka itself. The pure-Rust clients lacked idempotence or groups when this was written.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer as _};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers, Message as _, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer as _};
use rdkafka::producer::{NoCustomPartitioner, ProducerContext};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use super::{
    BrokerError, Consumer, Endpoint, FIRST_ANSWER, Message, PATIENCE, Polled, Producer, Received,
};

/// Settings that make sending safe and fast; the user's settings file comes on top.
const PRODUCER: &[(&str, &str)] = &[
    // Exactly once per partition, in order, across retries.
    ("enable.idempotence", "true"),
    ("acks", "all"),
    ("compression.type", "lz4"),
    ("linger.ms", "20"),
    ("batch.num.messages", "10000"),
    ("batch.size", "1000000"),
    ("queue.buffering.max.messages", "200000"),
    ("retry.backoff.ms", "200"),
    ("retry.backoff.max.ms", "2000"),
];

fn config(endpoint: &Endpoint, defaults: &[(&str, &str)]) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", &endpoint.bootstrap);
    config.set(
        "message.timeout.ms",
        PATIENCE.as_millis().to_string().as_str(),
    );
    for (name, value) in defaults {
        config.set(*name, *value);
    }
    for (name, value) in &endpoint.settings {
        config.set(name, value);
    }
    config
}

fn client_error(error: KafkaError) -> BrokerError {
    BrokerError::Client {
        why: error.to_string(),
    }
}

/// Counts the acknowledgements still awaited per chunk, and keeps the first failure.
#[derive(Default)]
struct Acks {
    awaited: Mutex<HashMap<u64, usize>>,
    failed: Mutex<Option<String>>,
}

impl ClientContext for Acks {}

impl ProducerContext<NoCustomPartitioner> for Acks {
    /// The chunk the message belongs to.
    type DeliveryOpaque = Box<u64>;

    fn delivery(&self, result: &DeliveryResult<'_>, chunk: Box<u64>) {
        if let Err((error, _)) = result
            && let Ok(mut failed) = self.failed.lock()
        {
            failed.get_or_insert_with(|| error.to_string());
        }
        if let Ok(mut awaited) = self.awaited.lock()
            && let Some(left) = awaited.get_mut(&chunk)
        {
            *left = left.saturating_sub(1);
        }
    }
}

pub struct KafkaProducer {
    producer: BaseProducer<Acks>,
    topic: String,
    bootstrap: String,
    chunks: u64,
}

impl KafkaProducer {
    pub fn new(endpoint: &Endpoint, topic: &str) -> Result<Self, BrokerError> {
        let config = config(endpoint, PRODUCER);
        create_topic(&config, endpoint, topic)?;
        let producer = config
            .create_with_context(Acks::default())
            .map_err(client_error)?;
        Ok(Self {
            producer,
            topic: topic.to_string(),
            bootstrap: endpoint.bootstrap.clone(),
            chunks: 0,
        })
    }

    fn failure(&self, why: String) -> BrokerError {
        BrokerError::Send {
            bootstrap: self.bootstrap.clone(),
            why,
        }
    }

    fn failed(&self) -> Option<String> {
        (self.producer.context().failed.lock())
            .ok()
            .and_then(|f| f.clone())
    }
}

impl Producer for KafkaProducer {
    fn enqueue(&mut self, messages: &[Message]) -> Result<u64, BrokerError> {
        let chunk = self.chunks;
        self.chunks += 1;
        if let Ok(mut awaited) = self.producer.context().awaited.lock() {
            awaited.insert(chunk, messages.len());
        }
        for message in messages {
            let mut headers = OwnedHeaders::new_with_capacity(message.headers.len());
            for (name, value) in &message.headers {
                headers = headers.insert(Header {
                    key: name,
                    value: Some(value.as_bytes()),
                });
            }
            let mut record = BaseRecord::with_opaque_to(&self.topic, Box::new(chunk))
                .key(message.key.as_bytes())
                .payload(message.body.as_slice())
                .headers(headers);
            let started = Instant::now();
            // The client's queue is full: let it send, then try again.
            loop {
                match self.producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back))
                        if started.elapsed() < PATIENCE =>
                    {
                        record = back;
                        self.producer.poll(Duration::from_millis(20));
                    }
                    Err((error, _)) => return Err(self.failure(error.to_string())),
                }
            }
            self.producer.poll(Duration::ZERO);
        }
        Ok(chunk)
    }

    fn wait(&mut self, chunk: u64) -> Result<(), BrokerError> {
        let started = Instant::now();
        loop {
            if let Some(why) = self.failed() {
                return Err(self.failure(why));
            }
            let left = (self.producer.context().awaited.lock())
                .map(|a| a.get(&chunk).copied().unwrap_or(0))
                .unwrap_or(0);
            if left == 0 {
                if let Ok(mut awaited) = self.producer.context().awaited.lock() {
                    awaited.remove(&chunk);
                }
                return Ok(());
            }
            // Delivery reports come from librdkafka's message timeout at the latest.
            if started.elapsed() > PATIENCE + Duration::from_secs(5) {
                return Err(self.failure(format!("{left} messages were not acknowledged")));
            }
            self.producer.poll(Duration::from_millis(20));
        }
    }
}

/// Whether `topic` is on the broker; an error when no broker answers at all.
fn has_topic<C: ClientContext>(
    client: &rdkafka::client::Client<C>,
    endpoint: &Endpoint,
    topic: &str,
) -> Result<bool, BrokerError> {
    let metadata = client
        .fetch_metadata(Some(topic), FIRST_ANSWER)
        .map_err(|e| BrokerError::NoAnswer {
            bootstrap: endpoint.bootstrap.clone(),
            why: e.to_string(),
        })?;
    let topics = metadata.topics();
    Ok(topics
        .iter()
        .any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty()))
}

/// Creates `topic` with one partition, unless it is there.
fn create_topic(
    config: &ClientConfig,
    endpoint: &Endpoint,
    topic: &str,
) -> Result<(), BrokerError> {
    let admin: AdminClient<DefaultClientContext> = config.create().map_err(client_error)?;
    if has_topic(admin.inner(), endpoint, topic)? {
        return Ok(());
    }
    let fail = |why: String| BrokerError::Send {
        bootstrap: endpoint.bootstrap.clone(),
        why,
    };
    let options = AdminOptions::new().operation_timeout(Some(PATIENCE));
    let wanted = NewTopic::new(topic, 1, TopicReplication::Fixed(-1));
    let created = futures_executor::block_on(admin.create_topics([&wanted], &options))
        .map_err(|e| fail(format!("topic `{topic}` could not be created: {e}")))?;
    for result in created {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(fail(format!("topic `{topic}`: {code}"))),
        }
    }
    Ok(())
}

pub struct KafkaConsumer {
    consumer: BaseConsumer,
    topic: String,
    bootstrap: String,
    /// Partitions read to their end and not written to since.
    at_end: BTreeSet<i32>,
}

impl KafkaConsumer {
    pub fn new(
        endpoint: &Endpoint,
        topic: &str,
        group: &str,
        member: &str,
    ) -> Result<Self, BrokerError> {
        let defaults = [
            ("group.id", group),
            // A static member: the next run of the same receiver takes its partitions back
            // at once, instead of waiting for a killed run's session to end.
            ("group.instance.id", member),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("auto.offset.reset", "earliest"),
            ("enable.partition.eof", "true"),
            // A member that was killed holds its partitions until its session ends: the
            // next receiver waits that long.
            ("session.timeout.ms", "10000"),
            ("heartbeat.interval.ms", "1000"),
        ];
        let consumer: BaseConsumer = config(endpoint, &defaults).create().map_err(client_error)?;
        if !has_topic(consumer.client(), endpoint, topic)? {
            return Err(BrokerError::NoTopic {
                topic: topic.to_string(),
                bootstrap: endpoint.bootstrap.clone(),
            });
        }
        consumer.subscribe(&[topic]).map_err(client_error)?;
        Ok(Self {
            consumer,
            topic: topic.to_string(),
            bootstrap: endpoint.bootstrap.clone(),
            at_end: BTreeSet::new(),
        })
    }

    fn failure(&self, why: String) -> BrokerError {
        BrokerError::Receive {
            topic: self.topic.clone(),
            bootstrap: self.bootstrap.clone(),
            why,
        }
    }

    fn caught_up(&self) -> bool {
        let assigned: BTreeSet<i32> = match self.consumer.assignment() {
            Ok(list) => list.elements().iter().map(|e| e.partition()).collect(),
            Err(_) => return false,
        };
        !assigned.is_empty() && assigned.is_subset(&self.at_end)
    }
}

impl Consumer for KafkaConsumer {
    fn poll(&mut self, max: usize, wait: Duration) -> Result<Polled, BrokerError> {
        let deadline = Instant::now() + wait;
        let mut messages = Vec::new();
        // A broker that is away is waited for, up to the client's patience.
        let mut trouble: Option<(Instant, String)> = None;
        // Whether every partition was read to its end: asked of the client (a round trip to
        // its thread) only when a partition reports its end, not per message.
        let mut caught_up = self.caught_up();
        while messages.len() < max && !caught_up {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.consumer.poll(left) {
                None => caught_up = self.caught_up(),
                Some(Ok(message)) => {
                    trouble = None;
                    self.at_end.remove(&message.partition());
                    let headers = (message.headers().into_iter())
                        .flat_map(|h| h.iter())
                        .map(|h| {
                            let value = h.value.map(String::from_utf8_lossy).unwrap_or_default();
                            (h.key.to_string(), value.into_owned())
                        })
                        .collect();
                    let text = |bytes: Option<&[u8]>| {
                        String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned()
                    };
                    messages.push(Received {
                        topic: message.topic().to_string(),
                        partition: message.partition(),
                        offset: message.offset(),
                        message: Message {
                            key: text(message.key()),
                            headers,
                            body: message.payload().unwrap_or_default().to_vec(),
                        },
                    });
                }
                Some(Err(KafkaError::PartitionEOF(partition))) => {
                    self.at_end.insert(partition);
                    caught_up = self.caught_up();
                }
                Some(Err(KafkaError::MessageConsumption(
                    RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic,
                ))) => {
                    return Err(BrokerError::NoTopic {
                        topic: self.topic.clone(),
                        bootstrap: self.bootstrap.clone(),
                    });
                }
                Some(Err(error)) => {
                    let since = trouble.as_ref().map_or_else(Instant::now, |(t, _)| *t);
                    if since.elapsed() > PATIENCE {
                        return Err(self.failure(error.to_string()));
                    }
                    trouble = Some((since, error.to_string()));
                }
            }
        }
        Ok(Polled {
            messages,
            caught_up,
        })
    }

    fn commit(&mut self, handled: &[Received]) -> Result<(), BrokerError> {
        let mut next: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        for received in handled {
            let slot = next
                .entry((received.topic.as_str(), received.partition))
                .or_default();
            *slot = (*slot).max(received.offset + 1);
        }
        if next.is_empty() {
            return Ok(());
        }
        let mut list = TopicPartitionList::new();
        for ((topic, partition), offset) in next {
            list.add_partition_offset(topic, partition, Offset::Offset(offset))
                .map_err(|e| self.failure(e.to_string()))?;
        }
        let started = Instant::now();
        loop {
            match self.consumer.commit(&list, CommitMode::Sync) {
                Ok(()) => return Ok(()),
                Err(error) if started.elapsed() > PATIENCE => {
                    return Err(
                        self.failure(format!("the group's position was not saved: {error}"))
                    );
                }
                // The coordinator may be moving or restarting. Not `poll`: that would take
                // messages this commit is not about.
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
}
